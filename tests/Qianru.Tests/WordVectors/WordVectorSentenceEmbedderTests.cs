using Microsoft.Extensions.AI;
using Qianru.WordVectors;

namespace Qianru.Tests.WordVectors;

/// <summary>Mean and SIF sentence vectors against numpy (expected.json "sif", computed by make_fixtures.py).</summary>
public sealed class WordVectorSentenceEmbedderTests
{
    private static readonly Lazy<KeyedVectors> Vectors = new(() => KeyedVectors.Load(GensimFixture.PathOf("vectors.txt")));

    private static string[] Sentences() => GensimFixture.Expected.GetProperty("sif").GetProperty("sentences").EnumerateArray()
        .Select(s => string.Join(' ', GensimFixture.Strings(s))).ToArray();

    private static double[][] Rows(string key) => GensimFixture.Expected.GetProperty("sif").GetProperty(key).EnumerateArray()
        .Select(r => r.EnumerateArray().Select(x => x.GetDouble()).ToArray()).ToArray();

    private static void AssertClose(double[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"[{i}] numpy {expected[i]}, qianru {actual[i]}");
        }
    }

    [Fact]
    public void MeanPoolingIsTheMeanOfKnownWords()
    {
        using var embedder = WordVectorSentenceEmbedder.Create(Vectors.Value, new() { Pooling = SentencePooling.Mean, Normalize = false });
        var expected = Rows("mean");
        var sentences = Sentences();
        for (var i = 0; i < sentences.Length; i++)
        {
            AssertClose(expected[i], embedder.Embed(sentences[i]), 1e-6);
        }
    }

    [Fact]
    public void EmbedMatrix_rows_are_the_numpy_means_and_what_EmbedBatch_returns()
    {
        using var embedder = WordVectorSentenceEmbedder.Create(Vectors.Value, new() { Pooling = SentencePooling.Mean, Normalize = false });
        var expected = Rows("mean");
        var sentences = Sentences();
        var matrix = embedder.EmbedMatrix(sentences);
        Assert.Equal(sentences.Length, matrix.Rows);
        for (var i = 0; i < sentences.Length; i++)
        {
            AssertClose(expected[i], matrix.RowToArray(i), 1e-6);
        }

        Assert.Equal(embedder.EmbedBatch(sentences), matrix.ToArrays());
    }

    [Fact]
    public void Word_vectors_go_to_and_from_a_matrix_unchanged()
    {
        var kv = Vectors.Value;
        var words = kv.Words.Take(20).ToArray();
        var matrix = kv.GetVectors(words);
        for (var i = 0; i < words.Length; i++)
        {
            Assert.Equal(kv.GetVector(words[i]), matrix.RowToArray(i));
            Assert.Equal(kv.GetVector(words[i], normalize: true), kv.GetVectors(words, normalize: true).RowToArray(i));
        }

        using var copy = KeyedVectors.Create(words, matrix);
        Assert.Equal(words, copy.Words);
        Assert.Equal(matrix.ToArrays(), copy.GetVectors(words).ToArrays());
        Assert.Throws<UnknownWordException>(() => kv.GetVectors(["no-such-word-anywhere"]));
    }

    [Fact]
    public void SifWeightsAndFittedComponentMatchNumpy()
    {
        using var weightedOnly = WordVectorSentenceEmbedder.Create(Vectors.Value, new() { Normalize = false, RemovePrincipalComponent = false });
        var sentences = Sentences();
        var weighted = Rows("weighted");
        for (var i = 0; i < sentences.Length; i++)
        {
            AssertClose(weighted[i], weightedOnly.Embed(sentences[i]), 1e-6);
        }

        using var sif = WordVectorSentenceEmbedder.Create(Vectors.Value, new() { Normalize = false }).FitPrincipalComponent(sentences);
        var expected = Rows("sif");
        for (var i = 0; i < sentences.Length; i++)
        {
            AssertClose(expected[i], sif.Embed(sentences[i]), 1e-5);
        }
    }

    [Fact]
    public void UnfittedSifIsBatchIndependentUnitLengthAndOrthogonalToItsComponent()
    {
        using var embedder = WordVectorSentenceEmbedder.Create(Vectors.Value);
        var sentences = Sentences();
        var batch = embedder.EmbedBatch(sentences);
        for (var i = 0; i < sentences.Length; i++)
        {
            Assert.Equal(embedder.Embed(sentences[i]), batch[i]);
            Assert.Equal(1f, System.Numerics.Tensors.TensorPrimitives.Norm(batch[i]), 5);
            Assert.Equal(0f, System.Numerics.Tensors.TensorPrimitives.Dot(batch[i], embedder.PrincipalComponent), 5);
        }

        // Topical sentences are closer to each other than to others.
        float Cos(int a, int b) => System.Numerics.Tensors.TensorPrimitives.Dot(batch[a], batch[b]);
        Assert.True(Cos(1, 5) > Cos(1, 2), $"paris~tokyo {Cos(1, 5)}, paris~school {Cos(1, 2)}");
        Assert.True(Cos(0, 4) > Cos(0, 3), $"king~queen {Cos(0, 4)}, king~berlin {Cos(0, 3)}");
    }

    [Fact]
    public async Task WorksAsAnEmbeddingGenerator()
    {
        var path = GensimFixture.PathOf("vectors.bin");
        using IEmbeddingGenerator<string, Embedding<float>> generator = WordVectorSentenceEmbedder.Create("words:" + path + "#mean");
        var result = await generator.GenerateAsync(["the king and his crown", "unknownword"]);
        Assert.Equal(2, result.Count);
        Assert.Equal(24, result[0].Vector.Length);
        Assert.All(result[1].Vector.ToArray(), x => Assert.Equal(0f, x));
        var metadata = (EmbeddingGeneratorMetadata)generator.GetService(typeof(EmbeddingGeneratorMetadata))!;
        Assert.Equal(24, metadata.DefaultModelDimensions);
        await Assert.ThrowsAsync<NotSupportedException>(() => generator.GenerateAsync(["x"], new EmbeddingGenerationOptions { Dimensions = 8 }));
    }
}
