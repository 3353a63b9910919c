using System.Text.Json;
using Qianru.Cli.Tests.Support;

namespace Qianru.Cli.Tests.Search;

public sealed class ParaphraseCommandTests
{
    private static readonly string[] Texts =
    [
        "The cat sits on the mat.",
        "A cat is sitting on a mat.",
        "Stocks fell sharply.",
        "The stock market dropped a lot.",
        "I like green tea.",
    ];

    [Fact]
    public void Pairs_are_every_pair_best_first_with_cosine_of_the_library_vectors()
    {
        var result = QianruCli.Run(["paraphrase", "--format", "jsonl", .. Texts]);
        Assert.True(result.ExitCode == 0, result.Error);
        var rows = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(10, rows.Length); // 5 texts: all 10 pairs

        using var embedder = SentenceEmbedder.Create("minilm");
        var vectors = embedder.EmbedBatch(Texts);
        var expected = (from i in Enumerable.Range(0, 5) from j in Enumerable.Range(i + 1, 4 - i) select (i, j, s: Golden.Cosine(vectors[i], vectors[j])))
            .OrderByDescending(p => p.s).ToArray();
        for (var r = 0; r < rows.Length; r++)
        {
            Assert.Equal((expected[r].i, expected[r].j), (rows[r].GetProperty("i").GetInt32(), rows[r].GetProperty("j").GetInt32()));
            Assert.Equal(expected[r].s, rows[r].GetProperty("score").GetDouble(), 5);
            Assert.Equal(Texts[expected[r].i], rows[r].GetProperty("text_i").GetString());
        }

        Assert.Equal((0, 1), (rows[0].GetProperty("i").GetInt32(), rows[0].GetProperty("j").GetInt32()));
    }

    [Fact]
    public void Min_score_and_max_pairs_limit_the_table()
    {
        var near = QianruCli.Run(["paraphrase", "--min-score", "0.9", .. Texts]);
        Assert.True(near.ExitCode == 0, near.Error);
        Assert.Contains("A cat is sitting on a mat.", near.Out);
        Assert.DoesNotContain("Stocks fell sharply.", near.Out);
        Assert.Contains("1 pairs of 5 texts", near.Error);
        var two = QianruCli.Run(["paraphrase", "--max-pairs", "2", .. Texts]);
        Assert.Contains("2 pairs of 5 texts", two.Error);
    }

    [Theory]
    [InlineData("--min-score", "1.5")]
    [InlineData("--max-pairs", "0")]
    public void Bad_options_and_too_few_texts_are_usage_errors(string option, string value)
    {
        var result = QianruCli.Run(["paraphrase", option, value, .. Texts]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(value, result.Error);
        Assert.Equal(2, QianruCli.Run("paraphrase", "only one").ExitCode);
    }
}
