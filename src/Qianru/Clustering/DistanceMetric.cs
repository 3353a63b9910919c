namespace Qianru.Clustering;

/// <summary>How <see cref="Dbscan"/> measures the distance between two rows.</summary>
public enum DistanceMetric
{
    /// <summary>Euclidean distance, √Σ(xᵢ − yᵢ)².</summary>
    Euclidean,

    /// <summary>Cosine distance, 1 − cos(x, y), clipped to [0, 2] as scikit-learn's <c>cosine_distances</c>; a zero row is at distance 1 from every other row.</summary>
    Cosine,

    /// <summary>The rows are already an n × n distance matrix: row i, column j is the distance from i to j.</summary>
    Precomputed,
}
