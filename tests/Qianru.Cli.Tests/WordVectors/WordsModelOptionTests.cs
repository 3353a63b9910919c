using System.Text.Json;
using Qianru.Cli.Tests.Support;
using Qianru.WordVectors;

namespace Qianru.Cli.Tests.WordVectors;

/// <summary><c>--model words:FILE.vec</c>: sentence vectors from word vectors wherever similarity and cluster take a model.</summary>
public sealed class WordsModelOptionTests
{
    [Fact]
    public async Task Similarity_with_word_vectors_scores_as_the_library_does()
    {
        var dir = QianruCli.TempDir();
        var vec = Path.Combine(dir, "tiny.vec");
        File.WriteAllLines(vec, ["4 3", "cat 1 0 0", "kitten 0.9 0.1 0", "stock 0 0 1", "market 0 0.1 0.9"]);
        var result = QianruCli.Run("similarity", "--model", "words:" + vec, "--format", "jsonl", "cat", "kitten", "stock market");
        Assert.True(result.ExitCode == 0, result.Error);
        using var generator = WordVectorSentenceEmbedder.Create("words:" + vec);
        var vectors = (await generator.GenerateAsync(["cat", "kitten", "stock market"])).Select(e => e.Vector.ToArray()).ToArray();
        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 2, $"out: {result.Out} err: {result.Error}");
        for (var i = 0; i < 2; i++)
        {
            var expected = Qianru.Similarity.VectorSimilarity.Cosine(vectors[0], vectors[i + 1]);
            Assert.Equal(expected, JsonDocument.Parse(lines[i]).RootElement.GetProperty("cosine").GetSingle(), 5);
        }

        var cluster = QianruCli.Run("cluster", "--model", "words:" + vec, "--algorithm", "kmeans", "--k", "2", "--format", "jsonl", "cat", "kitten", "stock", "market");
        Assert.True(cluster.ExitCode == 0, cluster.Error);
        var labels = cluster.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("label").GetInt32()).ToArray();
        Assert.Equal(labels[0], labels[1]);
        Assert.Equal(labels[2], labels[3]);
        Assert.NotEqual(labels[0], labels[2]);
    }

    [Fact]
    public void A_collection_can_use_word_vectors_as_its_model()
    {
        var dir = QianruCli.TempDir();
        var vec = Path.Combine(dir, "tiny.vec");
        File.WriteAllLines(vec, ["4 3", "cat 1 0 0", "kitten 0.9 0.1 0", "stock 0 0 1", "market 0 0.1 0.9"]);
        var db = Path.Combine(dir, "notes.db");
        var docs = Path.Combine(dir, "docs.txt");
        File.WriteAllLines(docs, ["stock market", "cat kitten"]);
        var create = QianruCli.Run("index", "create", db, "--model", "words:" + vec);
        Assert.True(create.ExitCode == 0, create.Error);
        Assert.Contains("3 dimensions", create.Out);
        var add = QianruCli.Run("index", "add", db, "--input", docs);
        Assert.True(add.ExitCode == 0, add.Error);
        var search = QianruCli.Run("search", db, "kitten", "--k", "1", "--format", "jsonl");
        Assert.True(search.ExitCode == 0, search.Error);
        Assert.Contains("cat kitten", search.Out);
    }

    [Fact]
    public async Task A_word_vector_collection_keeps_its_pooling()
    {
        var dir = QianruCli.TempDir();
        var vec = Path.Combine(dir, "tiny.vec");
        File.WriteAllLines(vec, ["4 3", "cat 1 0 0", "kitten 0.9 0.1 0", "stock 0 0 1", "market 0 0.1 0.9"]);
        var db = Path.Combine(dir, "sif.db");
        Assert.Equal(0, QianruCli.Run("index", "create", db, "--model", "words:" + vec + "#sif").ExitCode);
        Assert.Contains($"loaded from: words:{vec}#sif", QianruCli.Run("index", "info", db).Out);
        var docs = Path.Combine(dir, "docs.txt");
        File.WriteAllLines(docs, ["stock market", "cat kitten"]);
        var add = QianruCli.Run("index", "add", db, "--input", docs);
        Assert.True(add.ExitCode == 0, add.Error);

        // The stored vectors are the SIF ones (the add reopened words:FILE#sif, not plain mean pooling).
        using var sif = Qianru.WordVectors.WordVectorSentenceEmbedder.Create("words:" + vec + "#sif");
        using var collection = Qianru.Collections.VectorCollection.Open(db);
        var expected = (await sif.GenerateAsync(["cat kitten"]))[0].Vector.ToArray();
        var hit = collection.Search(expected, 1, Qianru.Collections.CollectionIndexMode.Exact)[0];
        Assert.Equal("cat kitten", hit.Text);
        Assert.Equal(1f, hit.Score, 5);
    }

    [Fact]
    public void A_missing_word_vector_file_is_exit_code_2()
    {
        var result = QianruCli.Run("similarity", "--model", "words:/no/such.vec", "a", "b");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("such.vec", result.Error);
    }
}
