using Google.Protobuf;
using Onnx;

namespace Qianru.Quantization;

/// <summary>Small builders for the ONNX messages the quantizers add to a graph.</summary>
internal static class OnnxProto
{
    public static TensorProto AddInitializer(GraphProto graph, string name, TensorProto.Types.DataType type, byte[] raw, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(raw) };
        tensor.Dims.Add(dims);
        graph.Initializer.Add(tensor);
        return tensor;
    }

    public static NodeProto Node(string op, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = output + "_" + op };
        node.Input.Add(inputs);
        node.Output.Add(output);
        node.Attribute.Add(attributes);
        return node;
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>Removes the initializers no node reads and no graph output names (the float weights a rewrite replaced).</summary>
    public static void DropUnusedInitializers(GraphProto graph)
    {
        var used = graph.Node.SelectMany(n => n.Input).Concat(graph.Output.Select(o => o.Name)).ToHashSet();
        foreach (var unused in graph.Initializer.Where(t => !used.Contains(t.Name)).ToList())
        {
            graph.Initializer.Remove(unused);
        }
    }
}
