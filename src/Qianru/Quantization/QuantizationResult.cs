namespace Qianru.Quantization;

/// <summary>What <see cref="ModelQuantizer"/> did to a model.</summary>
public sealed record QuantizationResult
{
    /// <summary>The MatMuls whose weights became int8/int4 (layer names where the graph has them).</summary>
    public required IReadOnlyList<string> Quantized { get; init; }

    /// <summary>The MatMuls with a constant weight that stayed float32, each with the reason.</summary>
    public required IReadOnlyList<string> Skipped { get; init; }

    /// <summary>How many MatMul + bias Add pairs became one node.</summary>
    public int FusedBiases { get; init; }

    /// <summary>The per-row method's smoothing, in words (e.g. "SmoothQuant alpha 0.6, 130 calibration sequences"); empty for the block method.</summary>
    public string Smoothing { get; init; } = "";

    /// <summary>Bits of weight precision: 8, 7 (the per-row method with <see cref="QuantizationOptions.ReduceRange"/>) or 4.</summary>
    public int WeightBits { get; init; } = 8;

    /// <summary>Size of the source ONNX model in bytes.</summary>
    public long SourceBytes { get; init; }

    /// <summary>Size of the quantized ONNX model in bytes.</summary>
    public long QuantizedBytes { get; init; }
}
