using Qianru.Clustering;

namespace Qianru.Tests.Clustering;

public sealed class KMeansTests
{
    public static TheoryData<string> GivenCases => SklearnReference.Names("kmeans_given");

    public static TheoryData<string> PlusPlusCases => SklearnReference.Names("kmeans_plusplus");

    [Theory]
    [MemberData(nameof(GivenCases))]
    public void Given_centres_match_sklearn_labels_inertia_centres_and_iterations(string name)
    {
        var c = SklearnReference.Case("kmeans_given", name);
        var x = SklearnReference.Rows(c);
        var k = c.GetProperty("k").GetInt32();
        var result = KMeans.Fit(x, new KMeansOptions
        {
            Clusters = k,
            InitialCentres = x[..k],
            MaxIterations = c.GetProperty("max_iter").GetInt32(),
            Tolerance = c.GetProperty("tol").GetDouble(),
        });

        Assert.Equal(SklearnReference.Ints(c, "labels"), result.Labels);
        var expectedInertia = c.GetProperty("inertia").GetDouble();
        Assert.True(Math.Abs(result.Inertia - expectedInertia) <= 1e-9 * expectedInertia, $"inertia {result.Inertia:R} vs sklearn {expectedInertia:R}");
        Assert.Equal(c.GetProperty("n_iter").GetInt32(), result.Iterations);
        var centres = SklearnReference.DoubleRows(c, "centers");
        for (var j = 0; j < k; j++)
        {
            for (var t = 0; t < centres[j].Length; t++)
            {
                Assert.True(Math.Abs(centres[j][t] - result.Centres[j][t]) <= 1e-9 * (1 + Math.Abs(centres[j][t])), $"centre {j}[{t}]");
            }
        }
    }

    [Theory]
    [MemberData(nameof(PlusPlusCases))]
    public void KMeansPlusPlus_with_ten_runs_is_within_a_tenth_of_a_percent_of_sklearn(string name)
    {
        var c = SklearnReference.Case("kmeans_plusplus", name);
        var x = SklearnReference.Rows(c);
        var result = KMeans.Fit(x, new KMeansOptions { Clusters = c.GetProperty("k").GetInt32(), Runs = 10, RandomState = 42 });
        var expected = c.GetProperty("inertia").GetDouble();
        Assert.True(result.Inertia <= expected * 1.001, $"inertia {result.Inertia} vs sklearn {expected}");
        Assert.Equal(1.0, ClusterMetrics.AdjustedRandIndex(SklearnReference.Ints(c, "labels"), result.Labels.ToArray()), 9);
    }

    [Fact]
    public void Same_random_state_gives_the_same_result_and_results_do_not_depend_on_the_core_count()
    {
        var x = RandomRows(3000, 12, seed: 5);
        var a = KMeans.Fit(x, new KMeansOptions { Clusters = 7, Runs = 3, RandomState = 9 });
        var b = KMeans.Fit(x, new KMeansOptions { Clusters = 7, Runs = 3, RandomState = 9, MaxDegreeOfParallelism = 1 });
        Assert.Equal(a.Labels, b.Labels);
        Assert.Equal(a.Inertia, b.Inertia);
        Assert.Equal(a.Iterations, b.Iterations);
    }

    [Fact]
    public void Inertia_never_increases_across_Lloyd_iterations()
    {
        var x = RandomRows(2000, 8, seed: 3);
        var inertias = new List<double>();
        KMeans.FitCore(VectorMatrix.FromRows(x), new KMeansOptions { Clusters = 12, RandomState = 1, Tolerance = 0 }, (_, inertia) => inertias.Add(inertia));
        Assert.True(inertias.Count > 3, $"only {inertias.Count} iterations");
        for (var i = 1; i < inertias.Count; i++)
        {
            Assert.True(inertias[i] <= inertias[i - 1] * (1 + 1e-12), $"iteration {i + 1}: {inertias[i]} > {inertias[i - 1]}");
        }
    }

    [Fact]
    public void Labels_are_the_nearest_centre_by_a_naive_double_oracle_and_predict_agrees()
    {
        var x = RandomRows(1500, 20, seed: 8);
        var result = KMeans.Fit(x, new KMeansOptions { Clusters = 9, RandomState = 4 });
        var inertia = 0.0;
        for (var i = 0; i < x.Length; i++)
        {
            var distances = result.Centres.Select(c => c.Select((v, t) => (x[i][t] - v) * (x[i][t] - v)).Sum()).ToArray();
            var nearest = Array.IndexOf(distances, distances.Min());
            Assert.Equal(nearest, result.Labels[i]);
            Assert.Equal(nearest, result.Predict(x[i]));
            inertia += distances[nearest];
        }

        Assert.Equal(inertia, result.Inertia, 1e-9 * inertia);
    }

    [Fact]
    public void Relabelled_given_centres_give_relabelled_labels()
    {
        var c = SklearnReference.Case("kmeans_given", "uniform_200x8_k6_maxiter300");
        var x = SklearnReference.Rows(c);
        var permutation = new[] { 3, 0, 5, 1, 4, 2 };
        var a = KMeans.Fit(x, new KMeansOptions { Clusters = 6, InitialCentres = x[..6] });
        var b = KMeans.Fit(x, new KMeansOptions { Clusters = 6, InitialCentres = permutation.Select(p => x[p]).ToArray() });
        Assert.Equal(a.Labels.Select(l => Array.IndexOf(permutation, l)), b.Labels);
        Assert.Equal(a.Inertia, b.Inertia, 1e-9 * a.Inertia);
    }

    [Fact]
    public void K_equal_to_n_puts_every_row_alone()
    {
        var x = RandomRows(6, 3, seed: 2);
        var result = KMeans.Fit(x, new KMeansOptions { Clusters = 6, RandomState = 0 });
        Assert.Equal(6, result.Labels.Distinct().Count());
        Assert.Equal(0, result.Inertia, 12);
    }

    [Fact]
    public void Bad_input_fails_with_a_message_naming_the_problem()
    {
        var x = RandomRows(5, 3, seed: 1);
        Assert.Contains("at most the number of rows", Assert.Throws<ArgumentException>(() => KMeans.Fit(x, new KMeansOptions { Clusters = 6 })).Message);
        Assert.Contains("at least 1", Assert.Throws<ArgumentOutOfRangeException>(() => new KMeansOptions { Clusters = 0 }).Message);
        Assert.Contains("No vectors", Assert.Throws<ArgumentException>(() => KMeans.Fit([], new KMeansOptions { Clusters = 1 })).Message);
        Assert.Contains("row 1 has 2 values", Assert.Throws<ArgumentException>(() => KMeans.Fit([[1f, 2f, 3f], [1f, 2f]])).Message);
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => KMeans.Fit([[1f, float.NaN]], new KMeansOptions { Clusters = 1 })).Message);
        Assert.Contains("finite", Assert.Throws<ArgumentException>(() => KMeans.Fit([[1f, float.PositiveInfinity]], new KMeansOptions { Clusters = 1 })).Message);
        Assert.Contains("one row per cluster", Assert.Throws<ArgumentException>(() => KMeans.Fit(x, new KMeansOptions { Clusters = 2, InitialCentres = x[..3] })).Message);
    }

    internal static float[][] RandomRows(int n, int d, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, d).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()).ToArray();
    }
}
