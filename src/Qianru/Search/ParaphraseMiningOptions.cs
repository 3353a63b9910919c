using Qianru.Similarity;

namespace Qianru.Search;

/// <summary>Options of <see cref="SemanticSearch"/>.<c>MineParaphrases</c>, after sentence-transformers' <c>util.paraphrase_mining</c>.</summary>
public sealed class ParaphraseMiningOptions
{
    private readonly int _topK = 100;
    private readonly int _maxPairs = 500_000;

    /// <summary>How many neighbours of each vector are considered. Default 100 (as sentence-transformers); at least 1.</summary>
    public int TopK
    {
        get => _topK;
        init => _topK = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(TopK), value, "TopK must be at least 1");
    }

    /// <summary>The most pairs to return. Default 500,000 (as sentence-transformers); at least 1.</summary>
    public int MaxPairs
    {
        get => _maxPairs;
        init => _maxPairs = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxPairs), value, "MaxPairs must be at least 1");
    }

    /// <summary>How vectors are compared. Default <see cref="SimilarityMetric.Cosine"/>.</summary>
    public SimilarityMetric Metric { get; init; } = SimilarityMetric.Cosine;

    /// <summary>The most threads to use; -1 (the default) uses all cores.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;
}
