namespace Qianru.Onnx;

/// <summary>ONNX <c>OperatorSetIdProto</c>: an operator domain ("" is the default ONNX domain) and its version.</summary>
internal sealed class OperatorSetIdProto : OnnxMessage
{
    public string Domain { get; set; } = "";

    public long Version { get; set; }

    protected override bool ReadField(ref ProtoReader reader, int field, WireType wire)
    {
        switch (field)
        {
            case 1 when wire == WireType.LengthDelimited:
                Domain = reader.ReadString();
                return true;
            case 2 when wire == WireType.Varint:
                Version = reader.ReadInt64();
                return true;
            default:
                return false;
        }
    }

    protected override long KnownFieldsSize() => Size(1, Domain) + Size(2, Version);

    protected override void WriteKnownFields(ref ProtoWriter writer)
    {
        Write(ref writer, 1, Domain);
        Write(ref writer, 2, Version);
    }
}
