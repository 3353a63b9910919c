using System.Text.Json;
using Qianru.Clustering;

namespace Qianru.Tests.Clustering;

public sealed class DbscanTests
{
    public static TheoryData<string> Cases => SklearnReference.Names("dbscan");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Labels_and_core_samples_equal_sklearn(string name)
    {
        var c = SklearnReference.Case("dbscan", name);
        var metric = Enum.Parse<DistanceMetric>(c.GetProperty("metric").GetString()!, ignoreCase: true);
        var result = Dbscan.Fit(SklearnReference.Rows(c), new DbscanOptions
        {
            Eps = c.GetProperty("eps").GetDouble(),
            MinSamples = c.GetProperty("min_samples").GetInt32(),
            Metric = metric,
        });
        Assert.Equal(SklearnReference.Ints(c, "labels"), result.Labels);
        Assert.Equal(SklearnReference.Ints(c, "core"), result.CoreSampleIndices);
    }

    [Fact]
    public void Border_point_reachable_from_two_clusters_joins_the_lower_numbered_one()
    {
        // Fixture border_two_clusters_b_first: row 2 is the border, row 1 is B's core (cluster 0), row 3 A's core.
        var c = SklearnReference.Case("dbscan", "border_two_clusters_b_first");
        var result = Dbscan.Fit(SklearnReference.Rows(c), new DbscanOptions { Eps = 1.0, MinSamples = 4 });
        Assert.Equal(0, result.Labels[1]);
        Assert.Equal(1, result.Labels[3]);
        Assert.Equal(0, result.Labels[2]);
        Assert.DoesNotContain(2, result.CoreSampleIndices);
    }

    public static TheoryData<string> DenseBorderCases => ["euclidean_dense_borders", "cosine_dense_borders"];

    [Theory]
    [MemberData(nameof(DenseBorderCases))]
    public void Dense_sets_with_borders_shared_between_clusters_get_sklearns_labels(string name)
    {
        // Fixtures/clustering/dbscan_dense_borders.json, written by generate_dense_borders.py with scikit-learn: dozens of
        // neighbours a row and border rows within eps of core rows of two clusters (dbscan_inner gives them the first).
        var root = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "clustering", "dbscan_dense_borders.json"))).RootElement;
        var c = root.GetProperty("dbscan").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        var x = SklearnReference.Rows(c);
        var eps = c.GetProperty("eps").GetDouble();
        var minSamples = c.GetProperty("min_samples").GetInt32();
        var metric = Enum.Parse<DistanceMetric>(c.GetProperty("metric").GetString()!, ignoreCase: true);
        var result = Dbscan.Fit(x, new DbscanOptions { Eps = eps, MinSamples = minSamples, Metric = metric });
        var expected = SklearnReference.Ints(c, "labels");
        Assert.Equal(expected, result.Labels);
        Assert.Equal(SklearnReference.Ints(c, "core"), result.CoreSampleIndices);

        // The shared borders are there, and the depth-first expansion over full neighbour lists agrees.
        var shared = SklearnReference.Ints(c, "shared_borders");
        Assert.True(shared.Length >= 2 && shared.All(i => expected[i] >= 0), $"{shared.Length} shared borders");
        double Distance(float[] a, float[] b) => metric == DistanceMetric.Cosine
            ? 1 - (a.Zip(b, (p, q) => (double)p * q).Sum() / Math.Sqrt(a.Sum(v => (double)v * v) * b.Sum(v => (double)v * v)))
            : Math.Sqrt(a.Zip(b, (p, q) => ((double)p - q) * ((double)p - q)).Sum());
        var neighbours = x.Select(a => Enumerable.Range(0, x.Length).Where(j => Distance(a, x[j]) <= eps).ToArray()).ToArray();
        Assert.Equal(expected, Dbscan.Cluster(neighbours, minSamples).Labels);
    }

    [Fact]
    public void Euclidean_neighbours_match_a_naive_double_oracle_on_random_data()
    {
        var x = KMeansTests.RandomRows(700, 16, seed: 12);
        var eps = 2.0;
        var result = Dbscan.Fit(x, new DbscanOptions { Eps = eps, MinSamples = 4 });
        var neighbours = x.Select(a => Enumerable.Range(0, x.Length)
            .Where(j => Math.Sqrt(a.Select((v, t) => ((double)v - x[j][t]) * ((double)v - x[j][t])).Sum()) <= eps).ToArray()).ToArray();
        var oracle = Dbscan.Cluster(neighbours, 4);
        Assert.Equal(oracle.Labels, result.Labels);
        Assert.Equal(oracle.CoreSampleIndices, result.CoreSampleIndices);
        Assert.True(result.ClusterCount >= 1 && result.NoiseCount > 0 && result.CoreSampleIndices.Count > 0, $"{result.ClusterCount} clusters, {result.NoiseCount} noise");
    }

    [Fact]
    public void Reordering_rows_keeps_the_partition_of_core_samples()
    {
        var x = KMeansTests.RandomRows(400, 3, seed: 4);
        var options = new DbscanOptions { Eps = 0.25, MinSamples = 5 };
        var a = Dbscan.Fit(x, options);
        var order = Enumerable.Range(0, x.Length).Reverse().ToArray();
        var b = Dbscan.Fit(order.Select(i => x[i]).ToArray(), options);
        var bLabels = new int[x.Length];
        for (var p = 0; p < order.Length; p++)
        {
            bLabels[order[p]] = b.Labels[p];
        }

        // Core samples and noise do not depend on the order; core samples are grouped the same way.
        Assert.Equal(a.CoreSampleIndices.Order(), b.CoreSampleIndices.Select(p => order[p]).Order());
        Assert.Equal(a.Labels.Select(l => l < 0), bLabels.Select(l => l < 0));
        var cores = a.CoreSampleIndices.ToArray();
        Assert.Equal(1.0, ClusterMetrics.AdjustedRandIndex(cores.Select(i => a.Labels[i]).ToArray(), cores.Select(i => bLabels[i]).ToArray()), 12);
    }

    [Fact]
    public void Bad_options_and_input_fail_with_a_message()
    {
        Assert.Contains("eps", Assert.Throws<ArgumentOutOfRangeException>(() => new DbscanOptions { Eps = 0 }).Message);
        Assert.Contains("eps", Assert.Throws<ArgumentOutOfRangeException>(() => new DbscanOptions { Eps = -1 }).Message);
        Assert.Contains("min_samples", Assert.Throws<ArgumentOutOfRangeException>(() => new DbscanOptions { MinSamples = 0 }).Message);
        Assert.Contains("square", Assert.Throws<ArgumentException>(() => Dbscan.Fit([[0f, 1f, 2f], [1f, 0f, 2f]], new DbscanOptions { Metric = DistanceMetric.Precomputed })).Message);
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => Dbscan.Fit([[0f, float.NaN]])).Message);
    }
}
