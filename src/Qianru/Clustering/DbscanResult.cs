namespace Qianru.Clustering;

/// <summary>The outcome of <see cref="Dbscan"/>.<c>Fit</c>.</summary>
/// <remarks>Immutable and safe to share between threads.</remarks>
public sealed class DbscanResult
{
    internal DbscanResult(int[] labels, int[] coreSampleIndices, int clusterCount)
    {
        Labels = labels;
        CoreSampleIndices = coreSampleIndices;
        ClusterCount = clusterCount;
        NoiseCount = labels.Count(l => l < 0);
    }

    /// <summary>The cluster of each row (0, 1, …, numbered by their lowest-index core sample), or -1 for noise (scikit-learn's <c>labels_</c>).</summary>
    public IReadOnlyList<int> Labels { get; }

    /// <summary>The indices of the core samples, ascending (scikit-learn's <c>core_sample_indices_</c>).</summary>
    public IReadOnlyList<int> CoreSampleIndices { get; }

    /// <summary>The number of clusters.</summary>
    public int ClusterCount { get; }

    /// <summary>The number of rows labelled noise (-1).</summary>
    public int NoiseCount { get; }
}
