using Qianru.Similarity;

namespace Qianru.Search;

/// <summary>Builds any <see cref="IVectorIndex"/> kind over a corpus: the one place a kind is turned into an index.</summary>
public static class VectorIndexBuilder
{
    /// <summary>Builds an index of <paramref name="kind"/> over <paramref name="corpus"/>; hit ids are corpus positions.</summary>
    /// <param name="corpus">The vectors (kept by reference by exact, int8 and binary indexes for scoring and rescoring).</param>
    /// <param name="kind">Exact, HNSW, int8 or binary.</param>
    /// <param name="metric">How vectors are compared (Manhattan: exact only).</param>
    /// <param name="hnsw">HNSW: M, ef_construction, the default ef_search and the precision; its metric is replaced by <paramref name="metric"/>.</param>
    /// <remarks>An empty corpus gives an exact index that finds nothing, whatever the kind asked, except int8 and binary, which need vectors to quantize.</remarks>
    /// <exception cref="ArgumentException">Int8 or binary over no vectors, or vectors of different lengths.</exception>
    /// <exception cref="NotSupportedException">The metric is not supported by the kind.</exception>
    public static IVectorIndex Build(IReadOnlyList<float[]> corpus, VectorIndexKind kind, SimilarityMetric metric = SimilarityMetric.Cosine, HnswOptions? hnsw = null)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        return Build(VectorMatrix.FromRows(corpus), kind, metric, hnsw);
    }

    /// <summary>Builds an index of <paramref name="kind"/> over the rows of <paramref name="corpus"/>; hit ids are rows.</summary>
    /// <param name="corpus">The vectors (kept by reference by exact, int8 and binary indexes for scoring and rescoring).</param>
    /// <param name="kind">Exact, HNSW, int8 or binary.</param>
    /// <param name="metric">How vectors are compared (Manhattan: exact only).</param>
    /// <param name="hnsw">HNSW: M, ef_construction, the default ef_search and the precision; its metric is replaced by <paramref name="metric"/>.</param>
    /// <exception cref="ArgumentException">Int8 or binary over no vectors.</exception>
    /// <exception cref="NotSupportedException">The metric is not supported by the kind.</exception>
    public static IVectorIndex Build(VectorMatrix corpus, VectorIndexKind kind, SimilarityMetric metric = SimilarityMetric.Cosine, HnswOptions? hnsw = null)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        switch (kind)
        {
            case VectorIndexKind.Int8:
                return QuantizedIndex.Build(corpus, QuantizationKind.Int8, metric: metric);
            case VectorIndexKind.Binary:
                return QuantizedIndex.Build(corpus, QuantizationKind.Binary, metric: metric);
            case VectorIndexKind.Hnsw when corpus.Rows > 0:
                hnsw ??= new HnswOptions();
                return HnswIndex.Build(corpus, new HnswOptions
                {
                    Metric = metric,
                    M = hnsw.M,
                    EfConstruction = hnsw.EfConstruction,
                    EfSearch = hnsw.EfSearch,
                    Precision = hnsw.Precision,
                });
            case VectorIndexKind.Exact:
            case VectorIndexKind.Hnsw:
                return ExactIndex.Create(corpus, metric);
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown index kind");
        }
    }
}
