namespace Qianru.Search;

/// <summary>How <see cref="QuantizedIndex"/> compresses vectors.</summary>
public enum QuantizationKind
{
    /// <summary>One byte per dimension, with per-dimension ranges from calibration vectors (4× smaller than float32).</summary>
    Int8,

    /// <summary>One bit per dimension, the sign (32× smaller); compared by Hamming distance.</summary>
    Binary,
}
