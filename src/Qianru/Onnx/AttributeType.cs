namespace Qianru.Onnx;

/// <summary>ONNX <c>AttributeProto.AttributeType</c> values Qianru writes.</summary>
internal enum AttributeType
{
    Undefined = 0,
    Float = 1,
    Int = 2,
    String = 3,
    Tensor = 4,
    Graph = 5,
    Floats = 6,
    Ints = 7,
}
