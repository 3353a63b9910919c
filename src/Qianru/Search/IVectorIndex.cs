using Qianru.Similarity;

namespace Qianru.Search;

/// <summary>
/// A searchable set of vectors: exact (<see cref="ExactIndex"/>), quantized (<see cref="QuantizedIndex"/>, int8 or
/// binary) or approximate (HNSW). One search shape for all: a matrix of queries, k and options in, the k best hits per
/// query out (<see cref="VectorIndexExtensions"/> takes one array per query or a single query).
/// </summary>
/// <remarks>
/// Hits are ordered best first by the index's <see cref="Metric"/> (highest similarity, or lowest distance) and carry
/// the id the vector was indexed under: its position in the corpus the index was built from, or the key it was
/// added with. Implementations are safe for concurrent searches.
/// </remarks>
public interface IVectorIndex
{
    /// <summary>The number of indexed vectors.</summary>
    int Count { get; }

    /// <summary>The length of every vector.</summary>
    int Dimensions { get; }

    /// <summary>How vectors are compared; hit scores are this metric's value.</summary>
    SimilarityMetric Metric { get; }

    /// <summary>Returns, for each query, its (at most) <paramref name="k"/> best hits, best first.</summary>
    /// <param name="queries">Query vectors, a row of <see cref="Dimensions"/> values each.</param>
    /// <param name="k">Hits per query, at least 1; more than <see cref="Count"/> returns <see cref="Count"/>.</param>
    /// <param name="options">Per-call settings (HNSW ef, rescoring, threads); null for the index's defaults.</param>
    /// <param name="cancellationToken">Stops the search.</param>
    /// <exception cref="ArgumentException">A query of the wrong length.</exception>
    SearchHit[][] Search(VectorMatrix queries, int k, VectorSearchOptions? options = null, CancellationToken cancellationToken = default);
}

/// <summary>Conveniences over <see cref="IVectorIndex.Search"/> for queries held as arrays.</summary>
public static class VectorIndexExtensions
{
    /// <summary>Searches with one array per query (copied into a <see cref="VectorMatrix"/> once).</summary>
    /// <exception cref="ArgumentException">Queries of different lengths, or of a length other than the index's.</exception>
    public static SearchHit[][] Search(this IVectorIndex index, IReadOnlyList<float[]> queries, int k, VectorSearchOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(queries);
        return index.Search(VectorMatrix.FromRows(queries, index.Dimensions), k, options, cancellationToken);
    }

    /// <summary>Searches with one query.</summary>
    /// <exception cref="ArgumentException">A query of a length other than the index's.</exception>
    public static SearchHit[] Search(this IVectorIndex index, ReadOnlySpan<float> query, int k, VectorSearchOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(index);
        if (query.Length == 0)
        {
            throw new ArgumentException($"the query has no values; the index holds {index.Dimensions}-dimensional vectors", nameof(query));
        }

        var matrix = new VectorMatrix(1, query.Length);
        query.CopyTo(matrix.Row(0));
        return index.Search(matrix, k, options, cancellationToken)[0];
    }
}
