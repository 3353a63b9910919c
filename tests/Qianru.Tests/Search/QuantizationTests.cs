using System.Text.Json;
using Qianru.Search;
using Qianru.Similarity;
using Qianru.Tests.Similarity;

namespace Qianru.Tests.Search;

public sealed class QuantizationTests
{
    private static readonly JsonElement Reference = JsonDocument.Parse(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "search", "quantization.json"))).RootElement;

    private static float[][] Floats(string key) =>
        [.. Reference.GetProperty(key).EnumerateArray().Select(r => r.EnumerateArray().Select(x => (float)x.GetDouble()).ToArray())];

    private static int[][] Ints(string key) =>
        [.. Reference.GetProperty(key).EnumerateArray().Select(r => r.EnumerateArray().Select(x => x.GetInt32()).ToArray())];

    [Fact]
    public void Int8_matches_sentence_transformers_formula_in_numpy()
    {
        var quantizer = Int8Quantizer.Fit(Floats("calibration"));
        var embeddings = Floats("embeddings");
        var expected = Ints("int8");
        for (var i = 0; i < embeddings.Length; i++)
        {
            Assert.Equal(expected[i], quantizer.Quantize(embeddings[i]).Select(x => (int)x));
        }
    }

    [Theory]
    [InlineData("binary_embeddings", "ubinary")]
    [InlineData("binary_embeddings_20", "ubinary_20")]
    public void Binary_matches_numpy_packbits(string input, string output)
    {
        var embeddings = Floats(input);
        var expected = Ints(output);
        for (var i = 0; i < embeddings.Length; i++)
        {
            Assert.Equal(expected[i], BinaryQuantizer.Quantize(embeddings[i]).Select(x => (int)x));
        }
    }

    [Fact]
    public void Dequantized_values_are_within_one_step()
    {
        var calibration = Floats("calibration");
        var quantizer = Int8Quantizer.Fit(calibration);
        foreach (var v in calibration)
        {
            var back = quantizer.Dequantize(quantizer.Quantize(v));
            for (var j = 0; j < v.Length; j++)
            {
                // astype(int8) truncates toward zero: down above the middle of the range, up below it.
                Assert.InRange(MathF.Abs(v[j] - back[j]), 0f, (quantizer.Steps[j] * 1.001f) + 1e-5f);
            }
        }
    }

    /// <summary>Clustered unit vectors, like sentence embeddings: a few topics plus noise.</summary>
    private static float[][] Clustered(Random random, int count, int dims, float[][] centers)
    {
        return [.. Enumerable.Range(0, count).Select(_ =>
        {
            var c = centers[random.Next(centers.Length)];
            var v = c.Select(x => x + (float)(random.NextDouble() - 0.5)).ToArray();
            var norm = MathF.Sqrt(v.Sum(x => x * x));
            return v.Select(x => x / norm).ToArray();
        })];
    }

    [Theory]
    [InlineData(QuantizationKind.Int8, 0, 0.90)]
    [InlineData(QuantizationKind.Int8, 40, 0.99)]
    [InlineData(QuantizationKind.Binary, 0, 0.15)]
    [InlineData(QuantizationKind.Binary, 100, 0.90)]
    public void Recall_against_exact_search(QuantizationKind kind, int rescore, double minimum)
    {
        var random = new Random(23);
        var centers = NaiveMetrics.RandomVectors(random, 20, 96);
        var corpus = Clustered(random, 3000, 96, centers);
        var queries = Clustered(random, 40, 96, centers);
        var index = QuantizedIndex.Build(corpus, kind);
        var exact = SemanticSearch.Search(queries, corpus, new SemanticSearchOptions { TopK = 10 });
        var approximate = index.Search(queries, 10, new VectorSearchOptions { Rescore = rescore });
        var recall = Recall.AtK(exact, approximate);
        Assert.True(recall >= minimum, $"{kind} rescore={rescore}: recall@10 {recall:F3} < {minimum}");
        if (rescore > 0)
        {
            // Rescored hits carry the exact float score.
            foreach (var (hits, q) in approximate.Select((h, q) => (h, q)))
            {
                foreach (var hit in hits)
                {
                    Assert.True(Math.Abs(NaiveMetrics.Score(SimilarityMetric.Cosine, queries[q], corpus[hit.Id]) - hit.Score) < 1e-5);
                }
            }
        }
        else if (kind == QuantizationKind.Binary)
        {
            // Unrescored binary hits carry the Hamming distance, ascending.
            var bits = BinaryQuantizer.Quantize(queries[0]);
            foreach (var hit in approximate[0])
            {
                var other = BinaryQuantizer.Quantize(corpus[hit.Id]);
                Assert.Equal(bits.Zip(other, (a, b) => System.Numerics.BitOperations.PopCount((uint)(a ^ b))).Sum(), (int)hit.Score);
            }

            Assert.Equal(approximate[0].Select(h => h.Score).Order(), approximate[0].Select(h => h.Score));
        }

        Assert.Equal(kind == QuantizationKind.Int8 ? 3000L * 96 : 3000L * 16, index.QuantizedBytes);
    }

    [Theory]
    [InlineData(SimilarityMetric.Dot, 12, 3)]
    [InlineData(SimilarityMetric.Euclidean, 12, 3)]
    [InlineData(SimilarityMetric.Cosine, 40, 7)] // SIMD blocks of 16 and 8 plus a scalar tail; a full and a partial block of queries
    [InlineData(SimilarityMetric.Dot, 100, 9)]
    public void Int8_scores_equal_the_metric_on_dequantized_vectors(SimilarityMetric metric, int dims, int queryCount)
    {
        var random = new Random(4);
        var corpus = NaiveMetrics.RandomVectors(random, 200, dims);
        var queries = NaiveMetrics.RandomVectors(random, queryCount, dims);
        var index = QuantizedIndex.Build(corpus, QuantizationKind.Int8, metric: metric);
        var quantizer = Int8Quantizer.Fit(corpus);
        var hits = index.Search(queries, 5);
        for (var q = 0; q < queries.Length; q++)
        {
            var naive = corpus.Select((c, i) => (i, s: NaiveMetrics.Score(metric, queries[q], quantizer.Dequantize(quantizer.Quantize(c)))))
                .OrderBy(x => metric == SimilarityMetric.Euclidean ? x.s : -x.s).Take(5).ToArray();
            Assert.Equal(naive.Select(x => x.i), hits[q].Select(h => h.Id));
            for (var r = 0; r < 5; r++)
            {
                Assert.Equal(naive[r].s, hits[q][r].Score, 3);
            }
        }
    }
}
