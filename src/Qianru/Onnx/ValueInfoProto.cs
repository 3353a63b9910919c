namespace Qianru.Onnx;

/// <summary>ONNX <c>ValueInfoProto</c>: a graph input's or output's name and type.</summary>
internal sealed class ValueInfoProto : OnnxMessage
{
    public string Name { get; set; } = "";

    public TypeProto? Type { get; set; }

    /// <summary>A tensor value of element type <paramref name="type"/>; each dimension a size (long) or a symbolic name (string), none for an unknown shape.</summary>
    public static ValueInfoProto Tensor(string name, TensorDataType type, params object[] dims)
    {
        var tensor = new TypeProto.TensorType { ElemType = type };
        if (dims.Length > 0)
        {
            tensor.Shape = new TensorShapeProto();
            foreach (var d in dims)
            {
                tensor.Shape.Dim.Add(d switch
                {
                    string symbol => new TensorShapeProto.Dimension { DimParam = symbol },
                    _ => new TensorShapeProto.Dimension { DimValue = Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture) },
                });
            }
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { Tensor = tensor } };
    }

    protected override bool ReadField(ref ProtoReader reader, int field, WireType wire)
    {
        switch (field)
        {
            case 1 when wire == WireType.LengthDelimited:
                Name = reader.ReadString();
                return true;
            case 2 when wire == WireType.LengthDelimited:
                Type = reader.ReadMessage<TypeProto>();
                return true;
            default:
                return false;
        }
    }

    protected override long KnownFieldsSize() => Size(1, Name) + Size(2, Type);

    protected override void WriteKnownFields(ref ProtoWriter writer)
    {
        Write(ref writer, 1, Name);
        Write(ref writer, 2, Type);
    }
}
