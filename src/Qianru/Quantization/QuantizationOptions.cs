namespace Qianru.Quantization;

/// <summary>How <see cref="ModelQuantizer"/> quantizes a model's MatMul weights.</summary>
/// <remarks>
/// The defaults give ONNX Runtime's <c>com.microsoft.MatMulNBits</c> with 8-bit weights in blocks of 64 along the
/// reduction axis and <c>accuracy_level</c> 4: at run time each row of activations is quantized to int8 block by block,
/// so a text's vector never depends on the other texts of its batch.
/// </remarks>
public sealed class QuantizationOptions
{
    private readonly int _bits = 8;
    private readonly int _blockSize = 64;
    private readonly int _accuracyLevel = 4;

    /// <summary>Bits per weight: 8 (default) or 4.</summary>
    public int Bits
    {
        get => _bits;
        init => _bits = value is 4 or 8 ? value : throw new ArgumentOutOfRangeException(nameof(Bits), value, "Bits must be 4 or 8.");
    }

    /// <summary>Weights (and, at run time, activations) share one scale per block of this many values along K; a power of two from 16 to 256. Default 64.</summary>
    public int BlockSize
    {
        get => _blockSize;
        init => _blockSize = value is >= 16 and <= 256 && (value & (value - 1)) == 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(BlockSize), value, "BlockSize must be a power of two from 16 to 256.");
    }

    /// <summary>
    /// One weight scale per output column (the largest magnitude of the whole column) instead of one per block.
    /// Activations are still quantized per row and block. Default <see langword="false"/>.
    /// </summary>
    public bool PerChannel { get; init; }

    /// <summary>
    /// MatMulNBits <c>accuracy_level</c>: 4 (default) computes in int8 with activations quantized per row and block;
    /// 0 or 1 dequantizes the weights and computes in float32.
    /// </summary>
    public int AccuracyLevel
    {
        get => _accuracyLevel;
        init => _accuracyLevel = value is >= 0 and <= 4 ? value : throw new ArgumentOutOfRangeException(nameof(AccuracyLevel), value, "AccuracyLevel must be 0 to 4.");
    }

    /// <summary>
    /// Glob patterns (<c>*</c> and <c>?</c>, case-insensitive) of MatMuls to keep in float32. A pattern is matched against
    /// the node name, the weight initializer name and the layer name taken from the bias (e.g. <c>encoder.layer.5.output.dense</c>).
    /// Default none.
    /// </summary>
    public IReadOnlyList<string> Exclude { get; init; } = [];
}
