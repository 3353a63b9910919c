namespace Qianru.Models.Import;

/// <summary>One tensor of a checkpoint: its name, element type (safetensors spelling: F32, F16, BF16, I64, …) and shape.</summary>
internal sealed record WeightTensor(string Name, string DType, long[] Shape)
{
    /// <summary>The number of elements.</summary>
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Whether <see cref="WeightSource.ReadFloats"/> can convert this element type to float32.</summary>
    public bool IsFloat => DType is "F32" or "F16" or "BF16";

    public string ShapeText => $"[{string.Join(", ", Shape)}]";
}
