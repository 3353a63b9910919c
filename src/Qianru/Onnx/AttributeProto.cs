namespace Qianru.Onnx;

/// <summary>ONNX <c>AttributeProto</c>: a named constant argument of a node (Qianru reads and writes int and ints attributes; others are kept as read).</summary>
internal sealed class AttributeProto : OnnxMessage
{
    public string Name { get; set; } = "";

    public AttributeType Type { get; set; }

    public long I { get; set; }

    public List<long> Ints { get; } = [];

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeType.Int, I = value };

    public static AttributeProto IntList(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    protected override bool ReadField(ref ProtoReader reader, int field, WireType wire)
    {
        switch (field)
        {
            case 1 when wire == WireType.LengthDelimited:
                Name = reader.ReadString();
                return true;
            case 3 when wire == WireType.Varint:
                I = reader.ReadInt64();
                return true;
            case 8 when wire is WireType.Varint or WireType.LengthDelimited:
                reader.ReadInt64s(wire, Ints);
                return true;
            case 20 when wire == WireType.Varint:
                Type = (AttributeType)reader.ReadInt32();
                return true;
            default:
                return false;
        }
    }

    // An INT attribute always carries its value, even 0: ONNX's checker wants exactly one value field set.
    protected override long KnownFieldsSize() =>
        Size(1, Name) + (Type == AttributeType.Int ? ProtoWriter.Int64Size(3, I) : Size(3, I)) + Size(8, Ints) + Size(20, (long)Type);

    protected override void WriteKnownFields(ref ProtoWriter writer)
    {
        Write(ref writer, 1, Name);
        if (Type == AttributeType.Int)
        {
            writer.WriteInt64(3, I);
        }
        else
        {
            Write(ref writer, 3, I);
        }

        Write(ref writer, 8, Ints);
        Write(ref writer, 20, (long)Type);
    }
}
