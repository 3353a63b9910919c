using System.Text.Json;
using Qianru.Similarity;

namespace Qianru.Cli.Tests.Search;

public sealed class SimilarityCommandTests
{
    private static readonly string[] Docs =
    [
        "小明,我们公司三季度接了个大单",
        "小明,我们公司今天三季度同比增长60%",
        "小明,我们公司第二季度,有一笔交易被认定的死账",
        "小明,公司CEO信心满满,下一季度再创新高",
        "小明,公司计划要扩招300人",
    ];

    [Fact]
    public void Seed_example_jsonl_scores_equal_the_library_on_the_model_vectors()
    {
        var (code, output, error) = QianruCli.RunIn(Environment.CurrentDirectory, null, ["similarity", "业绩增长", .. Docs, "--metric", "all", "--format", "jsonl"]);
        Assert.True(code == 0, error);
        using var embedder = SentenceEmbedder.Create("minilm");
        var q = embedder.EmbedQuery("业绩增长");
        var d = embedder.EmbedDocuments(Docs);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Docs.Length, lines.Length);
        for (var i = 0; i < Docs.Length; i++)
        {
            var row = JsonDocument.Parse(lines[i]).RootElement;
            Assert.Equal(i, row.GetProperty("index").GetInt32());
            Assert.Equal(Docs[i], row.GetProperty("text").GetString());
            Assert.Equal(VectorSimilarity.Cosine(q, d[i]), row.GetProperty("cosine").GetSingle(), 6);
            Assert.Equal(VectorSimilarity.Euclidean(q, d[i]), row.GetProperty("euclidean").GetSingle(), 6);
            Assert.Equal(VectorSimilarity.Dot(q, d[i]), row.GetProperty("dot").GetSingle(), 6);
            Assert.Equal(VectorSimilarity.Manhattan(q, d[i]), row.GetProperty("manhattan").GetSingle(), 5);
            // Unit vectors: Euclidean distance is sqrt(2 - 2 cos).
            Assert.Equal(Math.Sqrt(2 - (2 * row.GetProperty("cosine").GetDouble())), row.GetProperty("euclidean").GetDouble(), 4);
        }
    }

    [Fact]
    public void Table_lists_the_query_first_then_each_document_with_the_chosen_metrics()
    {
        var (code, output, _) = QianruCli.RunIn(Environment.CurrentDirectory, null, ["similarity", "业绩增长", Docs[0], Docs[1]]);
        Assert.Equal(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^index\s+cosine\s+euclidean\s+text$", lines[0]);
        Assert.Matches(@"^query\s+1\.000000\s+0\.000000\s+业绩增长$", lines[1]);
        Assert.Matches(@"^\s+0\s+0\.\d{6}\s+\d\.\d{6}\s+小明,我们公司三季度接了个大单$", lines[2]);
        Assert.StartsWith("cosine: higher", lines[4]);
    }

    [Fact]
    public void Docs_file_lines_follow_the_document_arguments()
    {
        var dir = Directory.CreateTempSubdirectory("qianru-sim-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "docs.txt"), Docs[1] + "\n\n" + Docs[2] + "\n");
            var (code, output, error) = QianruCli.RunIn(dir, null, "similarity", "业绩增长", Docs[0], "--docs-file", "docs.txt", "--metric", "dot", "--format", "json");
            Assert.True(code == 0, error);
            var results = JsonDocument.Parse(output).RootElement.GetProperty("results").EnumerateArray().ToArray();
            Assert.Equal(Docs[..3], results.Select(r => r.GetProperty("text").GetString()));
            Assert.All(results, r => Assert.False(r.TryGetProperty("cosine", out _)));
            Assert.Equal(2, results[2].GetProperty("index").GetInt32());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void No_documents_or_unknown_metric_is_a_usage_error()
    {
        Assert.Equal(2, QianruCli.RunIn(Environment.CurrentDirectory, null, "similarity", "q").ExitCode);
        var (code, _, error) = QianruCli.RunIn(Environment.CurrentDirectory, null, "similarity", "q", "d", "--metric", "jaccard");
        Assert.Equal(2, code);
        Assert.Contains("jaccard", error);
    }
}
