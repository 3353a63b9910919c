namespace Qianru.Similarity;

/// <summary>How two vectors are compared.</summary>
/// <remarks>
/// <see cref="Cosine"/> and <see cref="Dot"/> are similarities (higher is closer); <see cref="Euclidean"/> and
/// <see cref="Manhattan"/> are distances (lower is closer). Search results are always ordered best first.
/// </remarks>
public enum SimilarityMetric
{
    /// <summary>Cosine similarity, in [-1, 1]; 0 when either vector is all zeros.</summary>
    Cosine,

    /// <summary>Dot (inner) product; equals cosine for unit vectors.</summary>
    Dot,

    /// <summary>Euclidean (L2) distance.</summary>
    Euclidean,

    /// <summary>Manhattan (L1) distance.</summary>
    Manhattan,
}
