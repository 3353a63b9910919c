using System.Text.Json;
using Qianru.Clustering;
using SkiaSharp;

namespace Qianru.Cli.Tests.Clustering;

public sealed class ClusterCommandTests
{
    private static readonly string[] SeedTexts =
    [
        "这个接口返回的参数不对", "帮我添加一个下载按钮", "我需要在window上也能用", "接口报500错误", "接口反应超时了",
        "服务挂了", "我需要新增一个新的配置", "这个可以取消不用做了", "我们做一个适配的接口吧", "系统上报一个监控到的错误日志",
    ];

    private static readonly Lazy<float[][]> SeedVectors = new(() =>
    {
        using var embedder = SentenceEmbedder.Create();
        return embedder.EmbedBatch(SeedTexts);
    });

    [Fact]
    public void Dbscan_table_prints_label_tab_text_per_row_then_a_summary_and_matches_the_library()
    {
        var (exit, output, error) = QianruCli.RunIn(AppContext.BaseDirectory, null, ["cluster", .. SeedTexts, "--algorithm", "dbscan", "--eps", "0.2", "--min-samples", "2", "--metric", "cosine"]);
        Assert.True(exit == 0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(SeedTexts.Length + 1, lines.Length);
        var expected = Dbscan.Fit(SeedVectors.Value, new DbscanOptions { Eps = 0.2, MinSamples = 2, Metric = DistanceMetric.Cosine });
        for (var i = 0; i < SeedTexts.Length; i++)
        {
            Assert.Equal($"{expected.Labels[i]}\t{SeedTexts[i]}", lines[i]);
        }

        Assert.True(expected.NoiseCount > 0 && expected.ClusterCount > 0, "the inputs should give a cluster and noise");
        Assert.StartsWith($"dbscan: {expected.ClusterCount} clusters, {expected.NoiseCount} noise, silhouette ", lines[^1]);
    }

    [Fact]
    public void Kmeans_jsonl_has_index_label_and_text_and_is_reproducible_with_random_state()
    {
        string[] args = ["cluster", .. SeedTexts, "--algorithm", "kmeans", "--k", "3", "--random-state", "42", "--n-init", "auto", "--format", "jsonl"];
        var (exit, output, error) = QianruCli.RunIn(AppContext.BaseDirectory, null, args);
        Assert.True(exit == 0, error);
        Assert.Equal(output, QianruCli.RunIn(AppContext.BaseDirectory, null, args).Out);
        var rows = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(SeedTexts.Length, rows.Length);
        var expected = KMeans.Fit(SeedVectors.Value, new KMeansOptions { Clusters = 3, RandomState = 42 });
        for (var i = 0; i < rows.Length; i++)
        {
            Assert.Equal(i, rows[i].GetProperty("index").GetInt32());
            Assert.Equal(expected.Labels[i], rows[i].GetProperty("label").GetInt32());
            Assert.Equal(SeedTexts[i], rows[i].GetProperty("text").GetString());
        }
    }

    [Fact]
    public void Community_json_lists_communities_and_labels()
    {
        var (exit, output, error) = QianruCli.RunIn(AppContext.BaseDirectory, null, ["cluster", .. SeedTexts, "--algorithm", "community", "--threshold", "0.5", "--min-community-size", "2", "--format", "json"]);
        Assert.True(exit == 0, error);
        var root = JsonDocument.Parse(output).RootElement;
        var expected = CommunityDetection.Find(SeedVectors.Value, 0.5, 2);
        Assert.Equal(CommunityDetection.ToLabels(expected, 10), root.GetProperty("labels").EnumerateArray().Select(v => v.GetInt32()));
        Assert.Equal(expected.Length, root.GetProperty("communities").GetArrayLength());
        Assert.Equal("community", root.GetProperty("algorithm").GetString());
    }

    [Fact]
    public void Plot_writes_a_png_with_cluster_colours_and_grey_noise()
    {
        var file = Path.Combine(Path.GetTempPath(), $"qianru-cluster-{Guid.NewGuid():N}.png");
        try
        {
            var (exit, _, error) = QianruCli.RunIn(AppContext.BaseDirectory, null, ["cluster", .. SeedTexts, "--algorithm", "community", "--threshold", "0.6", "--min-community-size", "2", "--plot", file]);
            Assert.True(exit == 0, error);
            using var bitmap = SKBitmap.Decode(file);
            Assert.NotNull(bitmap);
            Assert.Equal(Qianru.Cli.Clustering.ClusterPlot.Width, bitmap.Width);
            var colours = new HashSet<SKColor>();
            var nonWhite = 0;
            for (var y = 0; y < bitmap.Height; y += 2)
            {
                for (var x = 0; x < bitmap.Width; x += 2)
                {
                    var c = bitmap.GetPixel(x, y);
                    colours.Add(c);
                    if (c.Red < 240 || c.Green < 240 || c.Blue < 240)
                    {
                        nonWhite++;
                    }
                }
            }

            Assert.True(colours.Count > 10, $"{colours.Count} colours: the plot looks blank");
            Assert.True(nonWhite > 500, $"{nonWhite} non-white pixels: the plot looks blank");
            var labels = CommunityDetection.ToLabels(CommunityDetection.Find(SeedVectors.Value, 0.6, 2), 10);
            Assert.True(labels.Contains(0) && labels.Contains(1) && labels.Contains(-1), "the inputs should give two clusters and noise");
            Assert.Contains(colours, c => Near(c, new SKColor(0x1f, 0x77, 0xb4))); // Category10 colour of cluster 0
            Assert.Contains(colours, c => Near(c, new SKColor(0xff, 0x7f, 0x0e))); // cluster 1
        }
        finally
        {
            File.Delete(file);
        }

        static bool Near(SKColor a, SKColor b) => Math.Abs(a.Red - b.Red) < 8 && Math.Abs(a.Green - b.Green) < 8 && Math.Abs(a.Blue - b.Blue) < 8;
    }

    [Theory]
    [InlineData("--k 11: there are only 10 rows", "--algorithm", "kmeans", "--k", "11")]
    [InlineData("--k 0: out of range; must be 1 to 1000000", "--algorithm", "kmeans", "--k", "0")]
    [InlineData("--n-init zero", "--algorithm", "kmeans", "--n-init", "zero")]
    [InlineData("--eps 0: out of range; must be above 0", "--algorithm", "dbscan", "--eps", "0")]
    [InlineData("--eps -1", "--algorithm", "dbscan", "--eps", "-1")]
    [InlineData("--min-samples 0: out of range; must be 1 to 1000000", "--algorithm", "dbscan", "--min-samples", "0")]
    [InlineData("--threshold 2", "--algorithm", "community", "--threshold", "2")]
    public void Bad_options_exit_2_with_one_line(string message, params string[] options)
    {
        var (exit, output, error) = QianruCli.RunIn(AppContext.BaseDirectory, null, ["cluster", .. SeedTexts, .. options]);
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains(message, error);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void No_input_or_unknown_algorithm_exit_2()
    {
        var (exit, _, error) = QianruCli.RunIn(AppContext.BaseDirectory, null, "cluster", "--algorithm", "kmeans");
        Assert.Equal(2, exit);
        Assert.Contains("no texts", error);
        (exit, _, error) = QianruCli.RunIn(AppContext.BaseDirectory, null, "cluster", "a", "b", "--algorithm", "spectral");
        Assert.Equal(2, exit);
        Assert.StartsWith("qianru:", error);
        (exit, _, _) = QianruCli.RunIn(AppContext.BaseDirectory, null, "cluster", "a", "b");
        Assert.Equal(2, exit);
    }
}
