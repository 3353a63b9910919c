using Qianru.Similarity;

namespace Qianru.Tests.Similarity;

public sealed class VectorSimilarityTests
{
    public static TheoryData<SimilarityMetric, int> Cases()
    {
        var data = new TheoryData<SimilarityMetric, int>();
        foreach (var metric in Enum.GetValues<SimilarityMetric>())
        {
            foreach (var dims in new[] { 1, 3, 8, 17, 384, 1025 })
            {
                data.Add(metric, dims);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Pair_matches_naive_double(SimilarityMetric metric, int dims)
    {
        var random = new Random(1000 + dims);
        for (var trial = 0; trial < 50; trial++)
        {
            var a = NaiveMetrics.RandomVectors(random, 1, dims)[0];
            var b = NaiveMetrics.RandomVectors(random, 1, dims)[0];
            var scale = 100 * MathF.Sqrt(dims);
            for (var j = 0; j < dims; j++)
            {
                a[j] *= scale;
            }

            var expected = NaiveMetrics.Score(metric, a, b);
            var actual = VectorSimilarity.Compute(metric, a, b);
            // float32 with SIMD accumulation: relative error well under 1e-5 of the magnitudes involved.
            var magnitude = metric == SimilarityMetric.Cosine ? 1 : Math.Max(1, Math.Abs(expected)) * (metric == SimilarityMetric.Dot ? Math.Sqrt(dims) : 1);
            Assert.True(Math.Abs(actual - expected) <= 2e-5 * magnitude, $"{metric} dims={dims}: {actual} vs {expected}");
        }
    }

    [Theory]
    [InlineData(SimilarityMetric.Cosine)]
    [InlineData(SimilarityMetric.Dot)]
    [InlineData(SimilarityMetric.Euclidean)]
    [InlineData(SimilarityMetric.Manhattan)]
    public void One_to_many_and_matrix_equal_pairs(SimilarityMetric metric)
    {
        var random = new Random(5);
        var queries = NaiveMetrics.RandomVectors(random, 7, 33);
        var corpus = NaiveMetrics.RandomVectors(random, 11, 33);
        var matrix = VectorSimilarity.Compute(metric, queries, corpus);
        for (var i = 0; i < queries.Length; i++)
        {
            Assert.Equal(VectorSimilarity.Compute(metric, queries[i], corpus), matrix[i]);
            for (var j = 0; j < corpus.Length; j++)
            {
                Assert.Equal(VectorSimilarity.Compute(metric, queries[i], corpus[j]), matrix[i][j]);
            }
        }
    }

    [Fact]
    public void Known_values()
    {
        float[] a = [3, 4], b = [4, 3], zero = [0, 0];
        Assert.Equal(24f / 25f, VectorSimilarity.Cosine(a, b), 6);
        Assert.Equal(24f, VectorSimilarity.Dot(a, b));
        Assert.Equal(MathF.Sqrt(2), VectorSimilarity.Euclidean(a, b), 6);
        Assert.Equal(2f, VectorSimilarity.Manhattan(a, b));
        Assert.Equal(0f, VectorSimilarity.Cosine(a, zero));
        Assert.Equal(1f, VectorSimilarity.Cosine(a, a));
    }

    [Fact]
    public void Different_dimensions_and_unknown_metric_are_errors()
    {
        Assert.Contains("(2 and 3)", Assert.Throws<ArgumentException>(() => VectorSimilarity.Cosine([1f, 2f], [1f, 2f, 3f])).Message);
        Assert.Contains("allowed: cosine, dot, euclidean, manhattan", Assert.Throws<ArgumentException>(() => VectorSimilarity.ParseMetric("jaccard")).Message);
        Assert.Equal(SimilarityMetric.Euclidean, VectorSimilarity.ParseMetric("Euclidean"));
    }
}
