namespace Qianru.Search;

/// <summary>The kinds of <see cref="IVectorIndex"/>.</summary>
public enum VectorIndexKind
{
    /// <summary>Brute force over the float vectors (<see cref="ExactIndex"/>): exact results.</summary>
    Exact,

    /// <summary>HNSW graph (USearch): approximate, fastest on large corpora.</summary>
    Hnsw,

    /// <summary>Int8-quantized corpus scanned exhaustively (<see cref="QuantizedIndex"/>): 4x smaller.</summary>
    Int8,

    /// <summary>Binary-quantized corpus ranked by Hamming distance (<see cref="QuantizedIndex"/>): 32x smaller, coarse.</summary>
    Binary,
}
