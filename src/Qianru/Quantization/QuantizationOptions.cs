namespace Qianru.Quantization;

/// <summary>How <see cref="ModelQuantizer"/> quantizes a model's MatMul weights.</summary>
/// <remarks>
/// The default, <see cref="QuantizationMethod.RowInt8"/>, gives int8 weights with one scale per output column and, at
/// run time, int8 activations with one scale per row (token), multiplied by ONNX's <c>MatMulInteger</c>; SmoothQuant
/// smoothing (<see cref="SmoothingAlpha"/>) calibrated on built-in text first moves activation outliers into the weights.
/// <see cref="QuantizationMethod.Block"/> gives ONNX Runtime's <c>com.microsoft.MatMulNBits</c> with 8-bit (or 4-bit)
/// weights in blocks of <see cref="BlockSize"/> along the reduction axis. In both, no activation scale is shared between
/// rows, so a text's vector never depends on the other texts of its batch.
/// </remarks>
public sealed class QuantizationOptions
{
    private readonly int _bits = 8;
    private readonly int _blockSize = 64;
    private readonly int _accuracyLevel = 4;
    private readonly float _smoothingAlpha = 0.6f;

    /// <summary>The quantization scheme: <see cref="QuantizationMethod.RowInt8"/> (default, the fastest) or <see cref="QuantizationMethod.Block"/>.</summary>
    public QuantizationMethod Method { get; init; } = QuantizationMethod.RowInt8;

    /// <summary>
    /// <see cref="QuantizationMethod.RowInt8"/> only: SmoothQuant's migration strength, from 0 (no smoothing) to 1. Each input
    /// channel k of a MatMul is divided by s_k = max|x_k|^alpha / max|w_k|^(1 - alpha) and its weight row multiplied by it,
    /// with max|x_k| measured by running the float model on built-in calibration text. Default 0.6, the best of 0.3–0.9 on
    /// all-MiniLM-L6-v2.
    /// </summary>
    public float SmoothingAlpha
    {
        get => _smoothingAlpha;
        init => _smoothingAlpha = value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(SmoothingAlpha), value, "SmoothingAlpha must be between 0 and 1.");
    }

    /// <summary>
    /// <see cref="QuantizationMethod.RowInt8"/> only: 7-bit weights (−63..63, ONNX Runtime's "reduce_range"). x86 CPUs
    /// without VNNI multiply uint8 × int8 pairs into 16 bits, which can saturate with 8-bit weights; 7-bit weights
    /// cannot, at a small accuracy cost (min cosine 0.991 instead of 0.995 with float32 on all-MiniLM-L6-v2).
    /// <see langword="null"/> (default): 7-bit exactly when the CPU quantizing has no VNNI (AVX-VNNI or AVX512-VNNI).
    /// </summary>
    public bool? ReduceRange { get; init; }

    /// <summary>Bits per weight: 8 (default) or 4; 4 needs <see cref="QuantizationMethod.Block"/>.</summary>
    public int Bits
    {
        get => _bits;
        init => _bits = value is 4 or 8 ? value : throw new ArgumentOutOfRangeException(nameof(Bits), value, "Bits must be 4 or 8.");
    }

    /// <summary><see cref="QuantizationMethod.Block"/> only: weights (and, at run time, activations) share one scale per block of this many values along K; a power of two from 16 to 256. Default 64.</summary>
    public int BlockSize
    {
        get => _blockSize;
        init => _blockSize = value is >= 16 and <= 256 && (value & (value - 1)) == 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(BlockSize), value, "BlockSize must be a power of two from 16 to 256.");
    }

    /// <summary>
    /// <see cref="QuantizationMethod.Block"/> only: one weight scale per output column (the largest magnitude of the whole column) instead of one per block.
    /// Activations are still quantized per row and block. Default <see langword="false"/>.
    /// </summary>
    public bool PerChannel { get; init; }

    /// <summary>
    /// <see cref="QuantizationMethod.Block"/> only: MatMulNBits <c>accuracy_level</c>: 4 (default) computes in int8 with activations quantized per row and block;
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
