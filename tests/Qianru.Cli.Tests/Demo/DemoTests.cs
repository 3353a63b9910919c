using System.Diagnostics;
using System.Globalization;
using Qianru.Cli.Demo;
using Qianru.Cli.Tests.Support;
using Qianru.Clustering;
using Qianru.Similarity;

namespace Qianru.Cli.Tests.Demo;

/// <summary>
/// <c>qianru demo</c> and the examples/ programs, run for real; their numbers are checked against the library's.
/// </summary>
public sealed class DemoTests
{
    private static readonly Lazy<SentenceEmbedder> MiniLm = new(() => SentenceEmbedder.Create("minilm"));

    [Fact]
    public void The_demo_prints_the_four_examples_with_the_library_numbers()
    {
        var result = QianruCli.Run("demo");
        Assert.Equal(0, result.ExitCode);
        var lines = result.Out.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        foreach (var step in new[] { "== 1. ", "== 2. ", "== 3. ", "== 4. " })
        {
            Assert.Single(lines, l => l.StartsWith(step, StringComparison.Ordinal) && l.Contains(" / ", StringComparison.Ordinal));
        }

        Assert.Contains("A × B == lookup: yes (12 numbers became 6)", lines);
        Assert.Contains("vocabulary of \"小普喜欢星海湾的朋友\": 小→0  普→1  喜→2  欢→3  星→4  海→5  湾→6  的→7  朋→8  友→9", lines);

        // Similarity: cosine then Euclidean, the query against itself first, equal to the library's numbers.
        var query = MiniLm.Value.EmbedQuery(SeedExamples.SimilarityQuery);
        var docs = MiniLm.Value.EmbedDocuments(SeedExamples.SimilarityDocuments);
        float[][] all = [query, .. docs];
        var cosineAt = lines.FindIndex(l => l.StartsWith("Cosine similarity:", StringComparison.Ordinal));
        var euclidAt = lines.FindIndex(l => l.StartsWith("Euclidean distance:", StringComparison.Ordinal));
        for (var i = 0; i < all.Length; i++)
        {
            Assert.Equal(VectorSimilarity.Cosine(query, all[i]), Number(lines[cosineAt + 1 + i]), 5);
            Assert.Equal(VectorSimilarity.Euclidean(query, all[i]), Number(lines[euclidAt + 1 + i]), 5);
        }

        // Clustering: the labels of DBSCAN and KMeans run through the library.
        var vectors = MiniLm.Value.EmbedBatch(SeedExamples.Tickets);
        var dbscan = Dbscan.Fit(vectors, new DbscanOptions { Eps = 0.55, MinSamples = 2 });
        var kmeans = KMeans.Fit(vectors, new KMeansOptions { Clusters = 3, RandomState = 42 });
        var dbscanAt = lines.FindIndex(l => l.StartsWith("DBSCAN(eps=0.55", StringComparison.Ordinal));
        var kmeansAt = lines.FindIndex(l => l.StartsWith("KMeans(n_clusters=3", StringComparison.Ordinal));
        for (var i = 0; i < SeedExamples.Tickets.Length; i++)
        {
            Assert.Equal($"{dbscan.Labels[i]}\t{SeedExamples.Tickets[i]}", lines[dbscanAt + 1 + i]);
            Assert.Equal($"{kmeans.Labels[i]}\t{SeedExamples.Tickets[i]}", lines[kmeansAt + 1 + i]);
        }

        // The default English model is weak on Chinese and the demo says so.
        Assert.Contains(lines, l => l.Contains("mostly [UNK]", StringComparison.Ordinal) && l.Contains("bge-small-zh", StringComparison.Ordinal));
    }

    [Fact]
    public void The_demo_runs_with_another_model_and_uses_its_query_prompt()
    {
        var result = QianruCli.Run("demo", "--model", "arctic-xs");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("query instruction: \"Represent this sentence for searching relevant passages: \"", result.Out);
    }

    [Fact]
    public void A_chinese_bge_folder_gets_the_bge_query_instruction_and_cls_pooling()
    {
        // A folder laid out like BAAI/bge-small-zh-v1.5 (CLS pooling, normalized, 512 tokens), built from the
        // embedded MiniLM weights: the demo must read its settings and put the BGE-zh instruction before queries.
        var dir = Path.Combine(QianruCli.TempDir(), "bge-small-zh-v1.5");
        Directory.CreateDirectory(Path.Combine(dir, "onnx"));
        Directory.CreateDirectory(Path.Combine(dir, "1_Pooling"));
        File.WriteAllBytes(Path.Combine(dir, "onnx", "model.onnx"), Qianru.Models.EmbeddedModels.ReadOnnx(Qianru.Models.EmbeddedModels.MiniLM));
        File.WriteAllBytes(Path.Combine(dir, "vocab.txt"), Qianru.Models.EmbeddedModels.ReadVocabulary(Qianru.Models.EmbeddedModels.MiniLM));
        File.WriteAllText(Path.Combine(dir, "config.json"), """{"model_type":"bert","hidden_size":384,"max_position_embeddings":512}""");
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), """{"tokenizer_class":"BertTokenizer","do_lower_case":true,"model_max_length":512}""");
        File.WriteAllText(Path.Combine(dir, "sentence_bert_config.json"), """{"max_seq_length":512,"do_lower_case":false}""");
        File.WriteAllText(Path.Combine(dir, "modules.json"), """[{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},{"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"},{"idx":2,"name":"2","path":"2_Normalize","type":"sentence_transformers.models.Normalize"}]""");
        File.WriteAllText(Path.Combine(dir, "1_Pooling", "config.json"), """{"word_embedding_dimension":384,"pooling_mode_cls_token":true,"pooling_mode_mean_tokens":false}""");

        var result = QianruCli.Run("demo", "--model", dir);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains($"query instruction: \"{SeedExamples.BgeChineseQueryInstruction}\"", result.Out);
        using var bge = SentenceEmbedder.Create(dir);
        Assert.Equal(Qianru.Models.PoolingMode.Cls, bge.Model.Pooling);
        var query = bge.Embed(SeedExamples.LocalQuery, new EmbedOptions { Prompt = SeedExamples.BgeChineseQueryInstruction });
        var first = bge.Embed(SeedExamples.LocalDocuments[0]);
        var lines = result.Out.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var at = lines.FindLastIndex(l => l.StartsWith("Cosine similarity:", StringComparison.Ordinal));
        Assert.Equal(VectorSimilarity.Cosine(query, first), Number(lines[at + 2]), 5);
    }

    [Fact]
    public void The_demo_plots_are_pngs_that_are_not_blank()
    {
        var dir = QianruCli.TempDir();
        var result = QianruCli.Run("demo", "--plot", dir);
        Assert.Equal(0, result.ExitCode);
        foreach (var name in new[] { "similarity.png", "clusters.png" })
        {
            var path = Path.Combine(dir, name);
            Assert.True(File.Exists(path), name);
            using var bitmap = SkiaSharp.SKBitmap.Decode(path);
            Assert.NotNull(bitmap);
            var colours = new HashSet<uint>();
            for (var y = 0; y < bitmap.Height; y += 3)
            {
                for (var x = 0; x < bitmap.Width; x += 3)
                {
                    colours.Add((uint)bitmap.GetPixel(x, y));
                }
            }

            Assert.True(colours.Count > 20, $"{name} has only {colours.Count} colours");
        }
    }

    [Fact]
    public void Similarity_plot_is_a_heatmap_png_that_is_not_blank()
    {
        var dir = QianruCli.TempDir();
        var path = Path.Combine(dir, "heatmap.png");
        var result = QianruCli.Run(["similarity", "--plot", path, SeedExamples.SimilarityQuery, .. SeedExamples.SimilarityDocuments]);
        Assert.True(result.ExitCode == 0, result.Error);
        using var bitmap = SkiaSharp.SKBitmap.Decode(path);
        Assert.NotNull(bitmap);
        Assert.True(Enumerable.Range(0, bitmap.Width / 4).SelectMany(x => Enumerable.Range(0, bitmap.Height / 4).Select(y => bitmap.GetPixel(x * 4, y * 4))).Distinct().Count() > 20);

        var bad = QianruCli.Run("similarity", "--plot", Path.Combine(dir, "heatmap.jpg"), "a", "b");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("PNG", bad.Error);
    }

    [Fact]
    public void A_cjk_font_is_installed_for_the_plot_labels()
    {
        // ./test.sh installs Debian's fonts-noto-cjk; without it Chinese labels are drawn as boxes.
        Assert.True(Qianru.Cli.Plots.PlotFonts.HasCjkFont, "no CJK font found; install fonts-noto-cjk");
        Assert.Contains("CJK", Qianru.Cli.Plots.PlotFonts.For("业绩增长"), StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_cjk_font_chinese_labels_warn_once_and_name_the_package()
    {
        var warnings = new StringWriter();
        var warned = 0;
        string[] families = ["DejaVu Sans", "Liberation Serif"];
        Assert.Equal("DejaVu Sans", Qianru.Cli.Plots.PlotFonts.Pick("业绩增长", families, "DejaVu Sans", warnings, ref warned));
        Qianru.Cli.Plots.PlotFonts.Pick("小明", families, "DejaVu Sans", warnings, ref warned);
        Qianru.Cli.Plots.PlotFonts.Pick("English only", families, "DejaVu Sans", warnings, ref warned);
        Assert.Equal(Qianru.Cli.Plots.PlotFonts.MissingCjkFont + Environment.NewLine, warnings.ToString());
        Assert.Contains("fonts-noto-cjk", warnings.ToString(), StringComparison.Ordinal);

        // With a CJK font there is nothing to say, and that font is used.
        var quiet = new StringWriter();
        var none = 0;
        Assert.Equal("Noto Sans CJK SC", Qianru.Cli.Plots.PlotFonts.Pick("业绩", [.. families, "Noto Sans CJK JP", "Noto Sans CJK SC"], "DejaVu Sans", quiet, ref none));
        Assert.Equal("", quiet.ToString());
    }

    [Fact]
    public void The_similarity_example_prints_the_library_numbers()
    {
        var lines = RunExample("Similarity");
        var query = MiniLm.Value.EmbedQuery(SeedExamples.SimilarityQuery);
        var docs = MiniLm.Value.EmbedDocuments(SeedExamples.SimilarityDocuments);
        Assert.Equal("Cosine similarity:", lines[0]);
        Assert.Equal(1.0, Number(lines[1]), 5);
        for (var i = 0; i < docs.Length; i++)
        {
            Assert.Equal(VectorSimilarity.Cosine(query, docs[i]), Number(lines[2 + i]), 5);
        }

        var e = lines.IndexOf("Euclidean distance:");
        Assert.Equal(0.0, Number(lines[e + 1]), 5);
        for (var i = 0; i < docs.Length; i++)
        {
            Assert.Equal(VectorSimilarity.Euclidean(query, docs[i]), Number(lines[e + 2 + i]), 5);
        }
    }

    [Fact]
    public void The_clustering_example_prints_a_label_per_text()
    {
        var lines = RunExample("Clustering");
        var vectors = SeedExamples.Tickets.Select(t => MiniLm.Value.EmbedQuery(t)).ToList();
        var dbscan = Dbscan.Fit(vectors, new DbscanOptions { Eps = 0.55, MinSamples = 2 });
        for (var i = 0; i < SeedExamples.Tickets.Length; i++)
        {
            Assert.Equal($"{dbscan.Labels[i]}\t{SeedExamples.Tickets[i]}", lines[i]);
        }

        Assert.Contains("KMeans(n_clusters=3, random_state=42):", lines);
    }

    [Fact]
    public void The_local_model_example_prints_normalized_cosines()
    {
        var lines = RunExample("LocalModel");
        Assert.StartsWith("model: minilm", lines[0], StringComparison.Ordinal);
        var query = MiniLm.Value.Embed(SeedExamples.LocalQuery, new EmbedOptions { Normalize = true });
        var docs = MiniLm.Value.EmbedBatch(SeedExamples.LocalDocuments, new EmbedOptions { Normalize = true });
        Assert.Equal(1.0, Number(lines[2]), 5);
        for (var i = 0; i < docs.Length; i++)
        {
            Assert.Equal(VectorSimilarity.Cosine(query, docs[i]), Number(lines[3 + i]), 5);
        }
    }

    private static double Number(string line) => double.Parse(line.Split('\t')[0], CultureInfo.InvariantCulture);

    /// <summary>Runs examples/NAME as built by the solution (same configuration as this test assembly).</summary>
    private static List<string> RunExample(string name)
    {
        var root = RepositoryRoot();
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var dll = Path.Combine(root, "examples", name, "bin", configuration, "net10.0", name + ".dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: build the solution (dotnet test builds the examples)");
        var start = new ProcessStartInfo("dotnet", [dll]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, StandardOutputEncoding = System.Text.Encoding.UTF8 };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(120_000), $"{name} did not finish");
        Assert.True(process.ExitCode == 0, $"{name} exited {process.ExitCode}: {error.Result}");
        return [.. output.Result.Split('\n').Select(l => l.TrimEnd('\r'))];
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Qianru.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("Qianru.slnx not found above " + AppContext.BaseDirectory);
    }
}
