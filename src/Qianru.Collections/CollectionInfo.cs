using Qianru.Similarity;

namespace Qianru.Collections;

/// <summary>What a <see cref="VectorCollection"/> records once, at creation: the model its vectors come from.</summary>
/// <param name="ModelId">The id of the embedding model (informational since <see cref="Fingerprint"/>; checked when there is none).</param>
/// <param name="Dimensions">The length of every vector.</param>
/// <param name="Normalized">True when vectors are stored L2-normalized (then cosine equals dot product).</param>
public sealed record CollectionInfo(string ModelId, int Dimensions, bool Normalized)
{
    /// <summary>
    /// Where the model was loaded from when its id alone cannot find it again (a model folder's absolute path, or a
    /// <c>words:</c> spec with its pooling), so tools can reopen it; <see langword="null"/> for embedded models.
    /// Informational: vectors are checked against <see cref="Fingerprint"/> (or <see cref="ModelId"/> without one).
    /// </summary>
    public string? ModelSource { get; init; }

    /// <summary>
    /// The model's <see cref="Models.ModelInfo.Fingerprint"/>: vectors from a generator with another fingerprint are
    /// refused, whatever its name. <see langword="null"/> for collections made before fingerprints, or from a generator
    /// that has none (then the <see cref="ModelId"/> is compared); such a collection records the fingerprint of the
    /// first fingerprinted model that writes to it under the same id.
    /// </summary>
    public string? Fingerprint { get; init; }

    /// <summary>How vectors are compared and search scores reported: cosine (default), dot or Euclidean.</summary>
    public SimilarityMetric Metric { get; init; } = SimilarityMetric.Cosine;

    /// <summary>
    /// Store vectors as float16: PostgreSQL's <c>halfvec</c> type (half the space; scores to about 1e-3). SQLite
    /// collections store float32 and refuse it.
    /// </summary>
    public bool HalfPrecision { get; init; }
}
