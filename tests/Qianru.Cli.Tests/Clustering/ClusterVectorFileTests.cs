using System.Globalization;
using System.Text.Json;
using Qianru.Clustering;
using Qianru.IO;

namespace Qianru.Cli.Tests.Clustering;

public sealed class ClusterVectorFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("qianru-cluster-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "clustering", name);

    [Theory]
    [InlineData("border.csv")]
    [InlineData("cosine_150x32.npy")]
    public void Dbscan_over_a_vector_file_prints_sklearns_labels(string file)
    {
        var expected = JsonDocument.Parse(File.ReadAllText(Fixture("expected.json"))).RootElement.GetProperty(file);
        var (exit, output, error) = QianruCli.RunIn(AppContext.BaseDirectory, null,
            "cluster", "--vectors", Fixture(file), "--algorithm", "dbscan",
            "--eps", expected.GetProperty("eps").GetDouble().ToString(CultureInfo.InvariantCulture),
            "--min-samples", expected.GetProperty("min_samples").GetInt32().ToString(CultureInfo.InvariantCulture),
            "--metric", expected.GetProperty("metric").GetString()!, "--format", "jsonl");
        Assert.True(exit == 0, error);
        var labels = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(expected.GetProperty("labels").EnumerateArray().Select(v => v.GetInt32()), labels.Select(r => r.GetProperty("label").GetInt32()));
        Assert.All(labels, r => Assert.False(r.TryGetProperty("text", out _)));
    }

    [Theory]
    [InlineData(".npy")]
    [InlineData(".jsonl")]
    [InlineData(".csv")]
    [InlineData(".tsv")]
    public void Every_vector_format_gives_the_library_result(string extension)
    {
        var random = new Random(11);
        var rows = Enumerable.Range(0, 60).Select(_ => Enumerable.Range(0, 5).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
        var file = Path.Combine(_folder, "v" + extension);
        VectorFile.Write(file, rows);
        var (exit, output, error) = QianruCli.RunIn(AppContext.BaseDirectory, null, "cluster", "--vectors", file, "--algorithm", "kmeans", "--k", "4", "--random-state", "3", "--n-init", "3");
        Assert.True(exit == 0, error);
        var expected = KMeans.Fit(rows, new KMeansOptions { Clusters = 4, RandomState = 3, Runs = 3 });
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Enumerable.Range(0, 60).Select(i => $"{expected.Labels[i]}\t{i}"), lines[..60]);
        var silhouette = ClusterMetrics.Silhouette(rows, expected.Labels);
        Assert.Equal($"kmeans: 4 clusters, 0 noise, silhouette {silhouette.ToString("F4", CultureInfo.InvariantCulture)} (euclidean, noise excluded)", lines[60]);
    }

    [Fact]
    public void Silhouette_of_many_rows_is_computed_on_a_sample_close_to_the_full_value()
    {
        var random = new Random(21);
        var rows = Enumerable.Range(0, 6000).Select(i => new[] { (float)(i % 3 * 2 + random.NextDouble()), (float)random.NextDouble() }).ToArray();
        var file = Path.Combine(_folder, "many.npy");
        VectorFile.Write(file, rows);
        var (exit, output, error) = QianruCli.RunIn(AppContext.BaseDirectory, null, "cluster", "--vectors", file, "--algorithm", "kmeans", "--k", "3", "--random-state", "0");
        Assert.True(exit == 0, error);
        var summary = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.EndsWith("(euclidean, noise excluded, sample of 5000 rows)", summary.TrimEnd());
        var sampled = double.Parse(summary.Split("silhouette ")[1].Split(' ')[0], CultureInfo.InvariantCulture);
        var full = ClusterMetrics.Silhouette(rows, KMeans.Fit(rows, new KMeansOptions { Clusters = 3, RandomState = 0 }).Labels);
        Assert.Equal(full, sampled, 0.02);
    }

    [Fact]
    public void Texts_given_with_vectors_label_the_rows()
    {
        var file = Path.Combine(_folder, "v.csv");
        VectorFile.Write(file, [[0f, 0f], [0f, 1f], [9f, 9f]]);
        var (exit, output, error) = QianruCli.RunIn(AppContext.BaseDirectory, null, "cluster", "a", "b", "c", "--vectors", file, "--algorithm", "dbscan", "--eps", "1", "--min-samples", "2");
        Assert.True(exit == 0, error);
        Assert.StartsWith("0\ta\n0\tb\n-1\tc\n\ndbscan: 1 clusters, 1 noise, silhouette n/a", output.ReplaceLineEndings("\n"));
        (exit, _, error) = QianruCli.RunIn(AppContext.BaseDirectory, null, "cluster", "a", "b", "--vectors", file, "--algorithm", "dbscan");
        Assert.Equal(2, exit);
        Assert.Contains("3 rows but 2 texts", error);
    }

    [Theory]
    [InlineData("nan.csv", "1,2\n3,nan\n")]
    [InlineData("inf.csv", "1,2\n3,inf\n")]
    [InlineData("ragged.jsonl", "[1,2]\n[1,2,3]\n")]
    [InlineData("empty.csv", "")]
    public void Bad_vector_files_exit_2_with_one_line(string name, string content)
    {
        var file = Path.Combine(_folder, name);
        File.WriteAllText(file, content);
        var (exit, output, error) = QianruCli.RunIn(AppContext.BaseDirectory, null, "cluster", "--vectors", file, "--algorithm", "kmeans", "--k", "1");
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.StartsWith("qianru: ", error);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Missing_file_and_k_above_rows_exit_2()
    {
        var (exit, _, error) = QianruCli.RunIn(AppContext.BaseDirectory, null, "cluster", "--vectors", Path.Combine(_folder, "none.npy"), "--algorithm", "kmeans");
        Assert.Equal(2, exit);
        Assert.Contains("not found", error);
        (exit, _, error) = QianruCli.RunIn(AppContext.BaseDirectory, null, "cluster", "--vectors", Fixture("border.csv"), "--algorithm", "kmeans", "--k", "11");
        Assert.Equal(2, exit);
        Assert.Contains("only 10 rows", error);
    }
}
