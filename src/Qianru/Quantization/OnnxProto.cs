using Qianru.Onnx;

namespace Qianru.Quantization;

/// <summary>Small builders for the ONNX messages the quantizers add to a graph.</summary>
internal static class OnnxProto
{
    public static TensorProto AddInitializer(GraphProto graph, string name, TensorDataType type, byte[] raw, params long[] dims)
    {
        var tensor = TensorProto.Create(name, type, raw, dims);
        graph.Initializer.Add(tensor);
        return tensor;
    }

    public static NodeProto Node(string op, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = output + "_" + op };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        return node;
    }

    public static AttributeProto Int(string name, long value) => AttributeProto.Int(name, value);

    /// <summary>Removes the initializers no node reads and no graph output names (the float weights a rewrite replaced).</summary>
    public static void DropUnusedInitializers(GraphProto graph)
    {
        var used = graph.Node.SelectMany(n => n.Input).Concat(graph.Output.Select(o => o.Name)).ToHashSet();
        graph.Initializer.RemoveAll(t => !used.Contains(t.Name));
    }
}
