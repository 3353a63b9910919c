using System.Text.Json;

namespace Qianru.Cli.Tests.WordVectors;

public sealed class WordsCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("qianru-words-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "words", name);

    private static JsonElement Expected => JsonDocument.Parse(File.ReadAllText(Fixture("expected.json"))).RootElement;

    [Fact]
    public void SimilarJsonlGivesGensimsTop10BestFirst()
    {
        var (exit, output, error) = QianruCli.Run("words", "similar", "--vectors", Fixture("vectors.bin"), "king", "--format", "jsonl");
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        var rows = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var expected = Expected.GetProperty("most_similar").GetProperty("king").EnumerateArray().ToList();
        Assert.Equal(expected.Select(e => e[0].GetString()), rows.Select(r => r.GetProperty("word").GetString()));
        Assert.All(expected.Zip(rows), p => Assert.Equal(p.First[1].GetDouble(), p.Second.GetProperty("score").GetDouble(), 1e-5));
    }

    [Fact]
    public void AnalogyKingManWomanMatchesGensim()
    {
        var (exit, output, _) = QianruCli.Run("words", "analogy", "--vectors", Fixture("vectors.txt"), "king", "man", "woman", "--top", "3");
        Assert.Equal(0, exit);
        var expected = Expected.GetProperty("most_similar_posneg")[0].GetProperty("result").EnumerateArray().Take(3).Select(e => e[0].GetString()!);
        Assert.Equal(expected, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split("  ", StringSplitOptions.RemoveEmptyEntries)[^1]));
    }

    [Fact]
    public void EvaluatePrintsGensimsSectionAccuracies()
    {
        var (exit, output, _) = QianruCli.Run("words", "evaluate", "-v", Fixture("vectors.txt"), Fixture("questions.txt"));
        Assert.Equal(0, exit);
        foreach (var section in Expected.GetProperty("evaluate_word_analogies").GetProperty("sections").EnumerateArray())
        {
            int correct = section.GetProperty("correct").GetInt32(), incorrect = section.GetProperty("incorrect").GetInt32();
            Assert.Contains($"{section.GetProperty("section").GetString()}: ", output);
            Assert.Contains($"({correct}/{correct + incorrect})", output);
        }
    }

    [Fact]
    public void CosmulMatchesGensimsMostSimilarCosmul()
    {
        var (exit, output, _) = QianruCli.Run("words", "similar", "-v", Fixture("vectors.txt"), "king", "woman", "--negative", "man", "--cosmul", "--format", "jsonl");
        Assert.Equal(0, exit);
        var expected = Expected.GetProperty("most_similar_cosmul")[0].GetProperty("result").EnumerateArray().Select(e => e[0].GetString());
        Assert.Equal(expected, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("word").GetString()));
    }

    [Fact]
    public void ConvertThenQueryGivesTheSameAnswer()
    {
        var native = Path.Combine(_dir, "v.qwv");
        var glove = Path.Combine(_dir, "v.glove.txt");
        Assert.Equal(0, QianruCli.Run("words", "convert", Fixture("vectors.txt"), native).ExitCode);
        Assert.Equal(0, QianruCli.Run("words", "convert", native, glove).ExitCode);
        var a = QianruCli.Run("words", "similar", "-v", Fixture("vectors.txt"), "paris").Out;
        Assert.Equal(a, QianruCli.Run("words", "similar", "-v", native, "paris").Out);
        Assert.Equal(a, QianruCli.Run("words", "similar", "-v", glove, "paris").Out);
        Assert.False(File.ReadLines(glove).First().StartsWith("140 24", StringComparison.Ordinal));
    }

    [Fact]
    public void UnknownWordAndMalformedFilesAreOneLineErrors()
    {
        var (exit, output, error) = QianruCli.Run("words", "similar", "-v", Fixture("vectors.txt"), "zebra");
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.StartsWith("qianru: word 'zebra' is not in the vocabulary", error);

        var bad = Path.Combine(_dir, "bad.vec");
        File.WriteAllText(bad, "2 3\na 1 2 3\nb 1 2 x\n");
        (exit, _, error) = QianruCli.Run("words", "similar", "-v", bad, "a");
        Assert.Equal(2, exit);
        Assert.Contains("line 3", error);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public void TrainWritesVectorsThatFindTheirNeighbours()
    {
        var corpus = Path.Combine(_dir, "corpus.txt");
        using (var gz = new System.IO.Compression.GZipStream(File.OpenRead(Fixture("corpus.txt.gz")), System.IO.Compression.CompressionMode.Decompress))
        using (var file = File.Create(corpus))
        {
            gz.CopyTo(file);
        }

        var output = Path.Combine(_dir, "trained.vec");
        var (exit, _, error) = QianruCli.Run("words", "train", "--corpus", corpus, "--output", output, "--dim", "24", "--epochs", "10", "--threads", "2");
        Assert.Equal(0, exit);
        Assert.Contains("words/s", error);
        Assert.StartsWith("140 24", File.ReadLines(output).First());
        var (_, similar, _) = QianruCli.Run("words", "similar", "-v", output, "paris", "--top", "3");
        Assert.Contains("seine", similar);
    }

    [Fact]
    public void TrainChineseWithJieba()
    {
        var corpus = Path.Combine(_dir, "zh.txt");
        File.WriteAllLines(corpus, ["小普喜欢星海湾的朋友。", "我来到北京清华大学。"]);
        var output = Path.Combine(_dir, "zh.vec");
        var (exit, _, error) = QianruCli.Run("words", "train", "--corpus", corpus, "--output", output, "--dim", "4", "--min-count", "1", "--lang", "zh");
        Assert.True(exit == 0, error);
        var words = File.ReadLines(output).Skip(1).Select(l => l.Split(' ')[0]).ToHashSet();
        Assert.Contains("清华大学", words);
        Assert.Contains("朋友", words);
        Assert.DoesNotContain("。", words);
    }

    [Fact]
    public void BadTrainingOptionsAreUsageErrors()
    {
        var (exit, _, error) = QianruCli.Run("words", "train", "--corpus", Path.Combine(_dir, "missing.txt"), "--output", "x.vec");
        Assert.Equal(2, exit);
        Assert.Contains("missing.txt", error);
        (exit, _, error) = QianruCli.Run("words", "train", "--corpus", "c", "--output", "x.vec", "--model", "glove");
        Assert.Equal(2, exit);
        Assert.Contains("skipgram or cbow", error);
    }
}
