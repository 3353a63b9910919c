using Qianru.Similarity;

namespace Qianru.Search;

/// <summary>
/// Exact (brute-force) search over float vectors as an <see cref="IVectorIndex"/>: <see cref="SemanticSearch"/> over
/// a corpus matrix kept by reference; hit ids are corpus rows.
/// </summary>
/// <remarks>Building costs nothing; the corpus must not change while the index is used. Thread-safe.</remarks>
public sealed class ExactIndex : IVectorIndex
{
    private readonly VectorMatrix _corpus;

    private ExactIndex(VectorMatrix corpus, SimilarityMetric metric)
    {
        _corpus = corpus;
        Metric = metric;
    }

    /// <inheritdoc/>
    public int Count => _corpus.Rows;

    /// <inheritdoc/>
    public int Dimensions => _corpus.Dimensions;

    /// <inheritdoc/>
    public SimilarityMetric Metric { get; }

    /// <summary>Copies <paramref name="corpus"/> into a matrix for search by <paramref name="metric"/>.</summary>
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

        return new ExactIndex(VectorMatrix.FromRows(corpus, dims), metric);
    }

    /// <summary>Wraps the rows of <paramref name="corpus"/> (kept by reference, not copied) for search by <paramref name="metric"/>.</summary>
    /// <param name="corpus">The vectors; may have no rows (then every search returns no hits).</param>
    /// <param name="metric">Cosine (default), dot, Euclidean or Manhattan.</param>
    public static ExactIndex Create(VectorMatrix corpus, SimilarityMetric metric = SimilarityMetric.Cosine)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        return new ExactIndex(corpus, metric);
    }

    /// <inheritdoc/>
    public SearchHit[][] Search(VectorMatrix queries, int k, VectorSearchOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (queries.Rows > 0 && Count > 0 && queries.Dimensions != Dimensions)
        {
            throw new ArgumentException($"the queries have {queries.Dimensions} dimensions but the corpus has {Dimensions}; all vectors must have the same dimensions", nameof(queries));
        }

        return SemanticSearch.Search(
            queries,
            _corpus,
            new SemanticSearchOptions { TopK = k, Metric = Metric, MaxDegreeOfParallelism = options?.MaxDegreeOfParallelism ?? -1 },
            cancellationToken);
    }
}
