namespace Qianru.Onnx;

/// <summary>The protocol buffers wire types (the low 3 bits of a field's tag).</summary>
internal enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    Fixed32 = 5,
}
