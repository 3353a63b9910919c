namespace Qianru.Onnx;

/// <summary>ONNX <c>TypeProto</c>: Qianru reads and writes tensor types; sequence, map and other types are kept as read.</summary>
internal sealed class TypeProto : OnnxMessage
{
    public TensorType? Tensor { get; set; }

    protected override bool ReadField(ref ProtoReader reader, int field, WireType wire)
    {
        if (field == 1 && wire == WireType.LengthDelimited)
        {
            Tensor = reader.ReadMessage<TensorType>();
            return true;
        }

        return false;
    }

    protected override long KnownFieldsSize() => Size(1, Tensor);

    protected override void WriteKnownFields(ref ProtoWriter writer) => Write(ref writer, 1, Tensor);

    /// <summary>ONNX <c>TypeProto.Tensor</c>: element type and optional shape.</summary>
    internal sealed class TensorType : OnnxMessage
    {
        public TensorDataType ElemType { get; set; }

        public TensorShapeProto? Shape { get; set; }

        protected override bool ReadField(ref ProtoReader reader, int field, WireType wire)
        {
            switch (field)
            {
                case 1 when wire == WireType.Varint:
                    ElemType = (TensorDataType)reader.ReadInt32();
                    return true;
                case 2 when wire == WireType.LengthDelimited:
                    Shape = reader.ReadMessage<TensorShapeProto>();
                    return true;
                default:
                    return false;
            }
        }

        protected override long KnownFieldsSize() => Size(1, (long)ElemType) + Size(2, Shape);

        protected override void WriteKnownFields(ref ProtoWriter writer)
        {
            Write(ref writer, 1, (long)ElemType);
            Write(ref writer, 2, Shape);
        }
    }
}
