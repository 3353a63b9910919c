using Qianru.Similarity;

namespace Qianru.Search;

/// <summary>
/// Exact (brute-force) search over float vectors as an <see cref="IVectorIndex"/>: <see cref="SemanticSearch.Search"/>
/// over a corpus kept by reference; hit ids are corpus positions.
/// </summary>
/// <remarks>Building costs nothing; the corpus must not change while the index is used. Thread-safe.</remarks>
public sealed class ExactIndex : IVectorIndex
{
    private readonly IReadOnlyList<float[]> _corpus;

    private ExactIndex(IReadOnlyList<float[]> corpus, int dimensions, SimilarityMetric metric)
    {
        _corpus = corpus;
        Dimensions = dimensions;
        Metric = metric;
    }

    /// <inheritdoc/>
    public int Count => _corpus.Count;

    /// <inheritdoc/>
    public int Dimensions { get; }

    /// <inheritdoc/>
    public SimilarityMetric Metric { get; }

    /// <summary>Wraps <paramref name="corpus"/> (kept by reference) for search by <paramref name="metric"/>.</summary>
    /// <param name="corpus">The vectors; may be empty (then every search returns no hits).</param>
    /// <param name="metric">Cosine (default), dot, Euclidean or Manhattan.</param>
    /// <param name="dimensions">The vector length; needed only when <paramref name="corpus"/> is empty.</param>
    /// <exception cref="ArgumentException">The vectors do not all have the same length.</exception>
    public static ExactIndex Create(IReadOnlyList<float[]> corpus, SimilarityMetric metric = SimilarityMetric.Cosine, int? dimensions = null)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        var dims = corpus.Count > 0 ? corpus[0]?.Length ?? 0 : dimensions ?? 0;
        for (var i = 0; i < corpus.Count; i++)
        {
            if (corpus[i] is null || corpus[i].Length != dims)
            {
                throw new ArgumentException($"corpus vector {i} has {corpus[i]?.Length ?? 0} dimensions but vector 0 has {dims}; all vectors must have the same dimensions", nameof(corpus));
            }
        }

        return new ExactIndex(corpus, dims, metric);
    }

    /// <inheritdoc/>
    public SearchHit[][] Search(IReadOnlyList<float[]> queries, int k, VectorSearchOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        return SemanticSearch.Search(
            queries,
            _corpus,
            new SemanticSearchOptions { TopK = k, Metric = Metric, MaxDegreeOfParallelism = options?.MaxDegreeOfParallelism ?? -1 },
            cancellationToken);
    }
}
