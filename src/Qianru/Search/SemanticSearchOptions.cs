using Qianru.Similarity;

namespace Qianru.Search;

/// <summary>Options of <see cref="SemanticSearch"/>.</summary>
public sealed class SemanticSearchOptions
{
    private readonly int _topK = 10;
    private readonly int _chunkSize = 256;
    private readonly int _maxDegreeOfParallelism = -1;

    /// <summary>How many hits to return per query (the k of top-k). Default 10; at least 1.</summary>
    public int TopK
    {
        get => _topK;
        init => _topK = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(TopK), value, "TopK must be at least 1");
    }

    /// <summary>How vectors are compared. Default <see cref="SimilarityMetric.Cosine"/>.</summary>
    public SimilarityMetric Metric { get; init; } = SimilarityMetric.Cosine;

    /// <summary>
    /// How many corpus vectors one worker scores at a time (the working set stays in cache and memory stays bounded:
    /// no query × corpus score matrix is ever built). Default 256; at least 1.
    /// </summary>
    public int ChunkSize
    {
        get => _chunkSize;
        init => _chunkSize = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(ChunkSize), value, "ChunkSize must be at least 1");
    }

    /// <summary>False forces the portable 256-bit kernel even where 512-bit SIMD is available (tests).</summary>
    internal bool AllowPanelKernel { get; init; } = true;

    /// <summary>The most threads to use; -1 (the default) uses all cores.</summary>
    public int MaxDegreeOfParallelism
    {
        get => _maxDegreeOfParallelism;
        init => _maxDegreeOfParallelism = value == -1 || value >= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxDegreeOfParallelism), value, "MaxDegreeOfParallelism must be -1 or at least 1");
    }
}
