namespace Qianru.Onnx;

/// <summary>
/// ONNX <c>TensorProto</c>: an initializer's name, shape, element type and values (raw little-endian bytes, or
/// <c>float_data</c>), and whether the values live in an external file.
/// </summary>
internal sealed class TensorProto : OnnxMessage
{
    public List<long> Dims { get; } = [];

    public TensorDataType DataType { get; set; }

    /// <summary>The values as <c>float_data</c> (used when <see cref="RawData"/> is empty).</summary>
    public List<float> FloatData { get; } = [];

    public string Name { get; set; } = "";

    /// <summary>The values as raw little-endian bytes; after parsing, a slice of the parsed buffer.</summary>
    public ReadOnlyMemory<byte> RawData { get; set; }

    /// <summary>True when the values are in an external file (<c>data_location</c> EXTERNAL).</summary>
    public bool IsExternal { get; set; }

    /// <summary>A tensor with raw values.</summary>
    public static TensorProto Create(string name, TensorDataType type, ReadOnlyMemory<byte> raw, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = type, RawData = raw };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    protected override bool ReadField(ref ProtoReader reader, int field, WireType wire)
    {
        switch (field)
        {
            case 1 when wire is WireType.Varint or WireType.LengthDelimited:
                reader.ReadInt64s(wire, Dims);
                return true;
            case 2 when wire == WireType.Varint:
                DataType = (TensorDataType)reader.ReadInt32();
                return true;
            case 4 when wire is WireType.Fixed32 or WireType.LengthDelimited:
                reader.ReadFloats(wire, FloatData);
                return true;
            case 8 when wire == WireType.LengthDelimited:
                Name = reader.ReadString();
                return true;
            case 9 when wire == WireType.LengthDelimited:
                RawData = reader.ReadBytes();
                return true;
            case 14 when wire == WireType.Varint:
                IsExternal = reader.ReadInt32() == 1;
                return true;
            default:
                return false;
        }
    }

    protected override long KnownFieldsSize() =>
        Size(1, Dims) + Size(2, (long)DataType)
        + (FloatData.Count > 0 ? ProtoWriter.LengthDelimitedSize(4, FloatData.Count * 4) : 0)
        + Size(8, Name)
        + (RawData.Length > 0 ? ProtoWriter.LengthDelimitedSize(9, RawData.Length) : 0)
        + Size(14, IsExternal ? 1 : 0);

    protected override void WriteKnownFields(ref ProtoWriter writer)
    {
        Write(ref writer, 1, Dims);
        Write(ref writer, 2, (long)DataType);
        if (FloatData.Count > 0)
        {
            writer.WritePackedFloats(4, FloatData);
        }

        Write(ref writer, 8, Name);
        if (RawData.Length > 0)
        {
            writer.WriteBytes(9, RawData.Span);
        }

        Write(ref writer, 14, IsExternal ? 1 : 0);
    }
}
