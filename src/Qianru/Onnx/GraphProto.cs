namespace Qianru.Onnx;

/// <summary>ONNX <c>GraphProto</c>: nodes in topological order, name, initializers, inputs and outputs.</summary>
internal sealed class GraphProto : OnnxMessage
{
    public List<NodeProto> Node { get; } = [];

    public string Name { get; set; } = "";

    public List<TensorProto> Initializer { get; } = [];

    public List<ValueInfoProto> Input { get; } = [];

    public List<ValueInfoProto> Output { get; } = [];

    protected override bool ReadField(ref ProtoReader reader, int field, WireType wire)
    {
        if (wire != WireType.LengthDelimited)
        {
            return false;
        }

        switch (field)
        {
            case 1:
                Node.Add(reader.ReadMessage<NodeProto>());
                return true;
            case 2:
                Name = reader.ReadString();
                return true;
            case 5:
                Initializer.Add(reader.ReadMessage<TensorProto>());
                return true;
            case 11:
                Input.Add(reader.ReadMessage<ValueInfoProto>());
                return true;
            case 12:
                Output.Add(reader.ReadMessage<ValueInfoProto>());
                return true;
            default:
                return false;
        }
    }

    protected override long KnownFieldsSize() =>
        Size(1, Node) + Size(2, Name) + Size(5, Initializer) + Size(11, Input) + Size(12, Output);

    protected override void WriteKnownFields(ref ProtoWriter writer)
    {
        Write(ref writer, 1, Node);
        Write(ref writer, 2, Name);
        Write(ref writer, 5, Initializer);
        Write(ref writer, 11, Input);
        Write(ref writer, 12, Output);
    }
}
