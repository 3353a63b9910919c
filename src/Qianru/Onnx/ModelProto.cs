namespace Qianru.Onnx;

/// <summary>ONNX <c>ModelProto</c>: IR version, producer, graph and operator set imports; other fields kept as read.</summary>
internal sealed class ModelProto : OnnxMessage
{
    public long IrVersion { get; set; }

    public string ProducerName { get; set; } = "";

    public GraphProto? Graph { get; set; }

    public List<OperatorSetIdProto> OpsetImport { get; } = [];

    /// <summary>Parses a model.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a protobuf encoding.</exception>
    public static ModelProto Parse(ReadOnlyMemory<byte> onnx)
    {
        var model = new ModelProto();
        model.MergeFrom(onnx);
        return model;
    }

    protected override bool ReadField(ref ProtoReader reader, int field, WireType wire)
    {
        switch (field)
        {
            case 1 when wire == WireType.Varint:
                IrVersion = reader.ReadInt64();
                return true;
            case 2 when wire == WireType.LengthDelimited:
                ProducerName = reader.ReadString();
                return true;
            case 7 when wire == WireType.LengthDelimited:
                Graph = reader.ReadMessage<GraphProto>();
                return true;
            case 8 when wire == WireType.LengthDelimited:
                OpsetImport.Add(reader.ReadMessage<OperatorSetIdProto>());
                return true;
            default:
                return false;
        }
    }

    protected override long KnownFieldsSize() =>
        Size(1, IrVersion) + Size(2, ProducerName) + Size(7, Graph) + Size(8, OpsetImport);

    protected override void WriteKnownFields(ref ProtoWriter writer)
    {
        Write(ref writer, 1, IrVersion);
        Write(ref writer, 2, ProducerName);
        Write(ref writer, 7, Graph);
        Write(ref writer, 8, OpsetImport);
    }
}
