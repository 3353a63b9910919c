using Qianru.Search;

namespace Qianru.Cli.Search;

/// <summary>Builds the searcher <c>qianru knn --index</c> asks for over the base vectors.</summary>
internal static class KnnSearcher
{
    /// <summary>Builds the index (timed by the caller) and returns the search over it.</summary>
    public static Func<float[][], SearchHit[][]> Build(KnnIndexKind kind, float[][] corpus, KnnSettings settings)
    {
        switch (kind)
        {
            case KnnIndexKind.Exact:
                return queries => SemanticSearch.Search(queries, corpus, new SemanticSearchOptions { TopK = settings.K, Metric = settings.Metric });
            case KnnIndexKind.Int8:
            case KnnIndexKind.Binary:
                var quantized = QuantizedIndex.Build(corpus, kind == KnnIndexKind.Int8 ? QuantizationKind.Int8 : QuantizationKind.Binary);
                return queries => quantized.Search(queries, settings.K, settings.Metric, settings.Rescore);
            default:
                if (corpus.Length == 0)
                {
                    return queries => [.. queries.Select(_ => Array.Empty<SearchHit>())];
                }

                var hnsw = HnswIndex.Build(corpus, new HnswOptions
                {
                    Metric = settings.Metric,
                    M = settings.M,
                    EfConstruction = settings.EfConstruction,
                    Precision = settings.Precision,
                    EfSearch = Math.Max(settings.Ef ?? 64, settings.K),
                });
                return queries => hnsw.Search(queries, settings.K);
        }
    }
}
