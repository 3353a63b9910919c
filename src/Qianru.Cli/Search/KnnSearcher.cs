using Qianru.Search;

namespace Qianru.Cli.Search;

/// <summary>Builds the searcher <c>qianru knn --index</c> asks for over the base vectors.</summary>
internal static class KnnSearcher
{
    public static Func<float[][], SearchHit[][]> Build(KnnIndexKind kind, float[][] corpus, KnnSettings settings)
    {
        switch (kind)
        {
            case KnnIndexKind.Exact:
                return queries => SemanticSearch.Search(queries, corpus, new SemanticSearchOptions { TopK = settings.K, Metric = settings.Metric });
            default:
                throw new NotSupportedException($"--index {kind.ToString().ToLowerInvariant()} is not available yet; use --index exact");
        }
    }
}
