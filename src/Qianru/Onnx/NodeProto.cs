namespace Qianru.Onnx;

/// <summary>ONNX <c>NodeProto</c>: one operator call with named inputs, outputs and attributes.</summary>
internal sealed class NodeProto : OnnxMessage
{
    public List<string> Input { get; } = [];

    public List<string> Output { get; } = [];

    public string Name { get; set; } = "";

    public string OpType { get; set; } = "";

    /// <summary>The operator's domain: "" (or "ai.onnx") for standard ONNX, "com.microsoft" for ONNX Runtime's contrib operators.</summary>
    public string Domain { get; set; } = "";

    public List<AttributeProto> Attribute { get; } = [];

    protected override bool ReadField(ref ProtoReader reader, int field, WireType wire)
    {
        if (wire != WireType.LengthDelimited)
        {
            return false;
        }

        switch (field)
        {
            case 1:
                Input.Add(reader.ReadString());
                return true;
            case 2:
                Output.Add(reader.ReadString());
                return true;
            case 3:
                Name = reader.ReadString();
                return true;
            case 4:
                OpType = reader.ReadString();
                return true;
            case 5:
                Attribute.Add(reader.ReadMessage<AttributeProto>());
                return true;
            case 7:
                Domain = reader.ReadString();
                return true;
            default:
                return false;
        }
    }

    /// <remarks>Empty input names are written too: they mark an optional input that is left out.</remarks>
    protected override long KnownFieldsSize() =>
        Size(1, Input) + Size(2, Output) + Size(3, Name) + Size(4, OpType) + Size(5, Attribute) + Size(7, Domain);

    protected override void WriteKnownFields(ref ProtoWriter writer)
    {
        Write(ref writer, 1, Input);
        Write(ref writer, 2, Output);
        Write(ref writer, 3, Name);
        Write(ref writer, 4, OpType);
        Write(ref writer, 5, Attribute);
        Write(ref writer, 7, Domain);
    }
}
