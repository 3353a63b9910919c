using Qianru.Similarity;

namespace Qianru.Cli.Search;

/// <summary>Parses <c>--metric</c> values: names (comma-separated or repeated) or <c>all</c>.</summary>
internal static class MetricList
{
    public static readonly SimilarityMetric[] All = [SimilarityMetric.Cosine, SimilarityMetric.Euclidean, SimilarityMetric.Dot, SimilarityMetric.Manhattan];

    public static SimilarityMetric[] Parse(IEnumerable<string> values)
    {
        var result = new List<SimilarityMetric>();
        foreach (var name in values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (name.Equals("all", StringComparison.OrdinalIgnoreCase))
            {
                return All;
            }

            SimilarityMetric metric;
            try
            {
                metric = VectorSimilarity.ParseMetric(name);
            }
            catch (ArgumentException)
            {
                throw new Infrastructure.CliUsageException($"--metric: unknown metric '{name}'; allowed: cosine, euclidean, dot, manhattan, all");
            }

            if (!result.Contains(metric))
            {
                result.Add(metric);
            }
        }

        return result.Count == 0 ? [SimilarityMetric.Cosine, SimilarityMetric.Euclidean] : [.. result];
    }
}
