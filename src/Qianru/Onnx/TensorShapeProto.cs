namespace Qianru.Onnx;

/// <summary>ONNX <c>TensorShapeProto</c>: one entry per dimension, each a size or a symbolic name.</summary>
internal sealed class TensorShapeProto : OnnxMessage
{
    public List<Dimension> Dim { get; } = [];

    protected override bool ReadField(ref ProtoReader reader, int field, WireType wire)
    {
        if (field == 1 && wire == WireType.LengthDelimited)
        {
            Dim.Add(reader.ReadMessage<Dimension>());
            return true;
        }

        return false;
    }

    protected override long KnownFieldsSize() => Size(1, Dim);

    protected override void WriteKnownFields(ref ProtoWriter writer) => Write(ref writer, 1, Dim);

    /// <summary>ONNX <c>TensorShapeProto.Dimension</c>: <c>dim_value</c> or <c>dim_param</c>.</summary>
    internal sealed class Dimension : OnnxMessage
    {
        private long _value;
        private bool _hasValue;

        public long DimValue
        {
            get => _value;
            set
            {
                _value = value;
                _hasValue = true;
            }
        }

        public string DimParam { get; set; } = "";

        protected override bool ReadField(ref ProtoReader reader, int field, WireType wire)
        {
            switch (field)
            {
                case 1 when wire == WireType.Varint:
                    DimValue = reader.ReadInt64();
                    return true;
                case 2 when wire == WireType.LengthDelimited:
                    DimParam = reader.ReadString();
                    return true;
                default:
                    return false;
            }
        }

        // dim_value 0 is a real size (an empty dimension), so it is written whenever it was set.
        protected override long KnownFieldsSize() => (_hasValue ? ProtoWriter.Int64Size(1, _value) : 0) + Size(2, DimParam);

        protected override void WriteKnownFields(ref ProtoWriter writer)
        {
            if (_hasValue)
            {
                writer.WriteInt64(1, _value);
            }

            Write(ref writer, 2, DimParam);
        }
    }
}
