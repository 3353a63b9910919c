using System.Runtime.InteropServices;

namespace Qianru.Models.Import;

/// <summary>
/// Collects an ONNX graph (nodes, initializers, inputs, outputs) and writes it as <c>model.onnx</c> with the large
/// initializers in an external data file beside it, each 4 KiB-aligned so ONNX Runtime can map it. Encoded with
/// <see cref="ProtoMessage"/> (field numbers of <see href="https://github.com/onnx/onnx/blob/main/onnx/onnx.proto"/>).
/// </summary>
internal sealed class OnnxGraphWriter
{
    public const int Float = 1;
    public const int Int32 = 6;
    public const int Int64 = 7;

    private const int Alignment = 4096;

    private readonly List<ProtoMessage> _nodes = [];
    private readonly List<ProtoMessage> _inline = [];
    private readonly List<(string Name, long[] Dims, long Count, Action<Stream> Write)> _external = [];
    private readonly List<ProtoMessage> _inputs = [];
    private readonly List<ProtoMessage> _outputs = [];

    public static ProtoMessage IntAttribute(string name, long value) => new ProtoMessage().String(1, name).Varint(20, 2).Varint(3, value);

    public static ProtoMessage IntsAttribute(string name, long[] values) => new ProtoMessage().String(1, name).Varint(20, 7).PackedInt64(8, values);

    public static ProtoMessage FloatAttribute(string name, float value) => new ProtoMessage().String(1, name).Varint(20, 1).Float(2, value);

    public void Node(string op, string[] inputs, string output, string? domain = null, params ProtoMessage[] attributes) =>
        Node(op, inputs, [output], domain, attributes);

    public void Node(string op, string[] inputs, string[] outputs, string? domain = null, params ProtoMessage[] attributes)
    {
        var node = new ProtoMessage();
        foreach (var input in inputs)
        {
            node.String(1, input);
        }

        foreach (var output in outputs)
        {
            node.String(2, output);
        }

        node.String(3, outputs[0] + "/" + op).String(4, op);
        foreach (var attribute in attributes)
        {
            node.Message(5, attribute);
        }

        if (domain is not null)
        {
            node.String(7, domain);
        }

        _nodes.Add(node);
    }

    /// <summary>A small initializer stored inside model.onnx.</summary>
    public void Constant(string name, long[] dims, long[] values) => _inline.Add(Tensor(name, Int64, dims).Bytes(9, MemoryMarshal.AsBytes(values.AsSpan())));

    /// <summary>A small float initializer stored inside model.onnx.</summary>
    public void Constant(string name, long[] dims, float[] values) => _inline.Add(Tensor(name, Float, dims).Bytes(9, MemoryMarshal.AsBytes(values.AsSpan())));

    /// <summary>A float initializer written to the external data file by <paramref name="write"/> (exactly count × 4 bytes).</summary>
    public void Weight(string name, long[] dims, Action<Stream> write) => _external.Add((name, dims, dims.Aggregate(1L, (a, b) => a * b), write));

    public void Input(string name, int elementType, params object[] dims) => _inputs.Add(ValueInfo(name, elementType, dims));

    public void Output(string name, int elementType, params object[] dims) => _outputs.Add(ValueInfo(name, elementType, dims));

    /// <summary>Writes the data file, then model.onnx that points into it by relative name.</summary>
    public void Save(string onnxPath, string dataFileName)
    {
        var graph = new ProtoMessage();
        foreach (var node in _nodes)
        {
            graph.Message(1, node);
        }

        graph.String(2, "qianru_encoder");
        foreach (var tensor in _inline)
        {
            graph.Message(5, tensor);
        }

        using (var data = new FileStream(Path.Combine(Path.GetDirectoryName(onnxPath)!, dataFileName), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
        {
            foreach (var (name, dims, count, write) in _external)
            {
                var padding = (Alignment - (data.Position % Alignment)) % Alignment;
                data.Write(new byte[padding]);
                var offset = data.Position;
                write(data);
                if (data.Position - offset != count * 4)
                {
                    throw new InvalidOperationException($"initializer {name}: wrote {data.Position - offset} bytes, expected {count * 4}.");
                }

                var tensor = Tensor(name, Float, dims)
                    .Message(13, new ProtoMessage().String(1, "location").String(2, dataFileName))
                    .Message(13, new ProtoMessage().String(1, "offset").String(2, offset.ToString(System.Globalization.CultureInfo.InvariantCulture)))
                    .Message(13, new ProtoMessage().String(1, "length").String(2, (count * 4).ToString(System.Globalization.CultureInfo.InvariantCulture)))
                    .Varint(14, 1);
                graph.Message(5, tensor);
            }

            data.Flush(flushToDisk: true);
        }

        foreach (var input in _inputs)
        {
            graph.Message(11, input);
        }

        foreach (var output in _outputs)
        {
            graph.Message(12, output);
        }

        var model = new ProtoMessage()
            .Varint(1, 8) // IR version 8 (ONNX 1.13+, opset 17/18)
            .String(2, "Qianru")
            .String(3, typeof(OnnxGraphWriter).Assembly.GetName().Version?.ToString() ?? "")
            .Message(7, graph)
            .Message(8, new ProtoMessage().String(1, "").Varint(2, 17))
            .Message(8, new ProtoMessage().String(1, "com.microsoft").Varint(2, 1));
        using var stream = new FileStream(onnxPath, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        model.WriteTo(stream);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Writes floats to a stream as little-endian bytes.</summary>
    public static void WriteFloats(Stream stream, ReadOnlySpan<float> values) => stream.Write(MemoryMarshal.AsBytes(values));

    private static ProtoMessage Tensor(string name, int type, long[] dims) => new ProtoMessage().PackedInt64(1, dims).Varint(2, type).String(8, name);

    private static ProtoMessage ValueInfo(string name, int elementType, object[] dims)
    {
        var shape = new ProtoMessage();
        foreach (var d in dims)
        {
            shape.Message(1, d is string param ? new ProtoMessage().String(2, param) : new ProtoMessage().Varint(1, Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture)));
        }

        var tensorType = new ProtoMessage().Varint(1, elementType).Message(2, shape);
        return new ProtoMessage().String(1, name).Message(2, new ProtoMessage().Message(1, tensorType));
    }
}
