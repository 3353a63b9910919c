using System.Text.Json;
using Qianru.IO;

namespace Qianru.Cli.Tests.Search;

public sealed class KnnCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("qianru-knn-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static float[][] Random(int seed, int count, int dims)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, dims).Select(_ => (float)random.NextDouble() - 0.5f).ToArray())];
    }

    [Theory]
    [InlineData("cosine")]
    [InlineData("dot")]
    [InlineData("euclidean")]
    public void Exact_knn_rows_match_a_naive_double_ranking(string metric)
    {
        var corpus = Random(1, 300, 24);
        var queries = Random(2, 5, 24);
        VectorFile.Write(Path.Combine(_dir, "base.npy"), corpus);
        VectorFile.Write(Path.Combine(_dir, "q.csv"), queries);
        var (code, output, error) = QianruCli.RunIn(_dir, null, "knn", "--base", "base.npy", "--queries", "q.csv", "--k", "4", "--metric", metric);
        Assert.Equal(0, code);
        Assert.Contains("queries/s", error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, lines.Length);
        for (var q = 0; q < 5; q++)
        {
            using var row = JsonDocument.Parse(lines[q]);
            Assert.Equal(q, row.RootElement.GetProperty("query").GetInt32());
            var ids = row.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var scores = row.RootElement.GetProperty("scores").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            var naive = corpus.Select((c, i) => (i, s: Naive(metric, queries[q], c)))
                .OrderBy(x => metric == "euclidean" ? x.s : -x.s).ThenBy(x => x.i).Take(4).ToArray();
            Assert.Equal(naive.Select(x => x.i), ids);
            for (var r = 0; r < 4; r++)
            {
                Assert.Equal(naive[r].s, scores[r], 4);
            }
        }
    }

    [Theory]
    [InlineData("hnsw", 0.9)]
    [InlineData("int8", 0.9)]
    [InlineData("binary", 0.0)]
    public void Approximate_indexes_report_recall_against_exact(string index, double minimum)
    {
        VectorFile.Write(Path.Combine(_dir, "base.npy"), Random(3, 800, 16));
        VectorFile.Write(Path.Combine(_dir, "q.jsonl"), Random(4, 20, 16));
        var (code, output, error) = QianruCli.RunIn(_dir, null, "knn", "--base", "base.npy", "--queries", "q.jsonl", "--index", index, "--k", "5", "--ef", "64", "--rescore", "50", "--recall");
        Assert.True(code == 0, error);
        Assert.Equal(20, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains($"knn: {index} cosine, 800 base × 20 queries, k=5", error);
        var recall = double.Parse(System.Text.RegularExpressions.Regex.Match(error, @"recall@5 against exact search: ([0-9.]+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(recall, minimum, 1.0);
    }

    [Fact]
    public void Hnsw_precision_float32_gives_exact_scores_and_float16_close_ones()
    {
        var corpus = Random(5, 500, 16);
        var queries = Random(6, 5, 16);
        VectorFile.Write(Path.Combine(_dir, "base.npy"), corpus);
        VectorFile.Write(Path.Combine(_dir, "q.npy"), queries);
        foreach (var (precision, tolerance) in new[] { ("float32", 1e-5), ("float16", 3e-3) })
        {
            var (code, output, error) = QianruCli.RunIn(_dir, null, "knn", "--base", "base.npy", "--queries", "q.npy", "--index", "hnsw", "--precision", precision, "--k", "3");
            Assert.True(code == 0, error);
            var rows = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            for (var q = 0; q < rows.Length; q++)
            {
                using var row = System.Text.Json.JsonDocument.Parse(rows[q]);
                var ids = row.RootElement.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()).ToArray();
                var scores = row.RootElement.GetProperty("scores").EnumerateArray().Select(x => x.GetDouble()).ToArray();
                for (var i = 0; i < ids.Length; i++)
                {
                    Assert.Equal(Naive("cosine", queries[q], corpus[ids[i]]), scores[i], tolerance);
                }
            }
        }

        var bad = QianruCli.RunIn(_dir, null, "knn", "--base", "base.npy", "--queries", "q.npy", "--index", "hnsw", "--precision", "int4");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("int4", bad.Error);
    }

    [Fact]
    public void Mismatched_dimensions_and_bad_metric_are_usage_errors()
    {
        VectorFile.Write(Path.Combine(_dir, "base.npy"), Random(1, 10, 8));
        VectorFile.Write(Path.Combine(_dir, "q.npy"), Random(2, 2, 9));
        var (code, _, error) = QianruCli.RunIn(_dir, null, "knn", "--base", "base.npy", "--queries", "q.npy");
        Assert.Equal(2, code);
        Assert.Contains("8 dimensions", error);
        Assert.Equal(2, QianruCli.RunIn(_dir, null, "knn", "--base", "base.npy", "--queries", "q.npy", "--metric", "jaccard").ExitCode);
        var missing = QianruCli.RunIn(_dir, null, "knn", "--base", "nope.npy", "--queries", "q.npy");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("nope.npy", missing.Error);
    }

    private static double Naive(string metric, float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0, l2 = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
            l2 += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
        }

        return metric switch { "cosine" => dot / Math.Sqrt(na * nb), "dot" => dot, _ => Math.Sqrt(l2) };
    }
}
