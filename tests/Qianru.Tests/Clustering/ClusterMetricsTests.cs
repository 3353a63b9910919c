using Qianru.Clustering;

namespace Qianru.Tests.Clustering;

public sealed class ClusterMetricsTests
{
    public static TheoryData<string> SilhouetteCases => SklearnReference.Names("silhouette");

    [Theory]
    [MemberData(nameof(SilhouetteCases))]
    public void Silhouette_matches_sklearn(string name)
    {
        var c = SklearnReference.Case("silhouette", name);
        var metric = Enum.Parse<DistanceMetric>(c.GetProperty("metric").GetString()!, ignoreCase: true);
        var score = ClusterMetrics.Silhouette(SklearnReference.Rows(c), SklearnReference.Ints(c, "labels"), metric);
        Assert.Equal(c.GetProperty("score").GetDouble(), score, 1e-7);
    }

    [Fact]
    public void Silhouette_needs_between_two_and_n_minus_one_labels()
    {
        float[][] x = [[0f], [1f], [2f]];
        Assert.Contains("between 2 and", Assert.Throws<ArgumentException>(() => ClusterMetrics.Silhouette(x, [0, 0, 0])).Message);
        Assert.Contains("between 2 and", Assert.Throws<ArgumentException>(() => ClusterMetrics.Silhouette(x, [0, 1, 2])).Message);
        Assert.Contains("one label per row", Assert.Throws<ArgumentException>(() => ClusterMetrics.Silhouette(x, [0, 1])).Message);
    }

    [Fact]
    public void Adjusted_rand_index_matches_sklearn()
    {
        foreach (var c in SklearnReference.Cases("ari"))
        {
            Assert.Equal(c.GetProperty("ari").GetDouble(), ClusterMetrics.AdjustedRandIndex(SklearnReference.Ints(c, "a"), SklearnReference.Ints(c, "b")), 12);
        }
    }

    [Fact]
    public void Adjusted_rand_index_is_invariant_to_renumbering()
    {
        var random = new Random(3);
        var a = Enumerable.Range(0, 500).Select(_ => random.Next(6)).ToArray();
        var b = Enumerable.Range(0, 500).Select(_ => random.Next(4)).ToArray();
        var renumbered = a.Select(l => (l * 7 + 3) % 6 - 1).ToArray();
        Assert.Equal(ClusterMetrics.AdjustedRandIndex(a, b), ClusterMetrics.AdjustedRandIndex(renumbered, b), 12);
        Assert.Equal(1.0, ClusterMetrics.AdjustedRandIndex(a, renumbered), 12);
    }
}
