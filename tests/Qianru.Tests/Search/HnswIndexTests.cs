using Qianru.Search;
using Qianru.Similarity;
using Qianru.Tests.Similarity;

namespace Qianru.Tests.Search;

public sealed class HnswIndexTests
{
    [Theory]
    [InlineData(SimilarityMetric.Cosine, HnswPrecision.Float16)]
    [InlineData(SimilarityMetric.Dot, HnswPrecision.Float16)]
    [InlineData(SimilarityMetric.Euclidean, HnswPrecision.Float16)]
    [InlineData(SimilarityMetric.Cosine, HnswPrecision.Float32)]
    [InlineData(SimilarityMetric.Dot, HnswPrecision.Float32)]
    [InlineData(SimilarityMetric.Euclidean, HnswPrecision.Float32)]
    [InlineData(SimilarityMetric.Cosine, HnswPrecision.BFloat16)]
    public void Recall_against_exact_search_is_high_and_scores_are_the_metric(SimilarityMetric metric, HnswPrecision precision)
    {
        var random = new Random(17);
        var corpus = NaiveMetrics.RandomVectors(random, 2000, 24);
        var queries = NaiveMetrics.RandomVectors(random, 50, 24);
        using var index = HnswIndex.Build(corpus, new HnswOptions { Metric = metric, EfSearch = 128, Precision = precision });
        Assert.Equal(2000, index.Count);
        var approximate = index.Search(queries, 10);
        var exact = SemanticSearch.Search(queries, corpus, new SemanticSearchOptions { TopK = 10, Metric = metric });
        Assert.True(Recall.AtK(exact, approximate) >= 0.95, $"recall {Recall.AtK(exact, approximate)}");

        // Scores come from the stored vectors: exact for float32, to the storage type's precision otherwise.
        var tolerance = precision switch { HnswPrecision.Float32 => 1e-5, HnswPrecision.Float16 => 2e-3, _ => 2e-2 };
        var worst = 0.0;
        foreach (var (q, hits) in approximate.Select((h, q) => (q, h)))
        {
            foreach (var hit in hits)
            {
                var expected = NaiveMetrics.Score(metric, queries[q], corpus[hit.Id]);
                worst = Math.Max(worst, Math.Abs(expected - hit.Score) / Math.Max(1, Math.Abs(expected)));
            }
        }

        Assert.True(worst <= tolerance, $"worst relative score error {worst} > {tolerance}");
        if (precision != HnswPrecision.Float32)
        {
            Assert.True(worst > 0, "a 16-bit index reproduced float32 scores exactly: the precision was not applied");
        }
    }

    [Fact]
    public void Float16_storage_halves_the_saved_vectors()
    {
        var corpus = NaiveMetrics.RandomVectors(new Random(4), 1000, 64);
        var sizes = new Dictionary<HnswPrecision, long>();
        foreach (var precision in new[] { HnswPrecision.Float32, HnswPrecision.Float16 })
        {
            var path = Path.Combine(Path.GetTempPath(), $"qianru-hnsw-{Guid.NewGuid():N}.usearch");
            try
            {
                using (var index = HnswIndex.Build(corpus, new HnswOptions { Precision = precision }))
                {
                    index.Save(path);
                }

                sizes[precision] = new FileInfo(path).Length;
                using var loaded = HnswIndex.Load(path);
                Assert.Equal(7, loaded.Search([corpus[7]], 1)[0][0].Id);
            }
            finally
            {
                File.Delete(path);
            }
        }

        // 1000 x 64 values: 256,000 bytes as float32, 128,000 as float16; the graph is the same size.
        Assert.Equal(128_000, sizes[HnswPrecision.Float32] - sizes[HnswPrecision.Float16], 1_000d);
    }

    [Fact]
    public void Save_load_add_and_remove()
    {
        var random = new Random(2);
        var corpus = NaiveMetrics.RandomVectors(random, 300, 8);
        var path = Path.Combine(Path.GetTempPath(), $"qianru-hnsw-{Guid.NewGuid():N}.usearch");
        try
        {
            using (var index = HnswIndex.Build(corpus))
            {
                Assert.True(index.Remove(5));
                Assert.False(index.Remove(5));
                Assert.NotEqual(5, index.Search([corpus[5]], 1)[0][0].Id);
                index.Add(1000, corpus[5]);
                Assert.Equal(1000, index.Search([corpus[5]], 1)[0][0].Id);
                Assert.Throws<ArgumentException>(() => index.Add(1000, corpus[6]));
                Assert.Throws<ArgumentException>(() => index.Add(1001, new float[3]));
                index.Save(path);
            }

            using var loaded = HnswIndex.Load(path, efSearch: 200);
            Assert.Equal(8, loaded.Dimensions);
            Assert.Equal(1000, loaded.Search([corpus[5]], 1)[0][0].Id);
            Assert.Equal(17, loaded.Search([corpus[17]], 1)[0][0].Id);
            Assert.Equal(1f, loaded.Search([corpus[17]], 1)[0][0].Score, 4);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Manhattan_is_not_supported()
    {
        Assert.Contains("supported: cosine, dot, euclidean", Assert.Throws<NotSupportedException>(
            () => HnswIndex.Create(4, new HnswOptions { Metric = SimilarityMetric.Manhattan })).Message);
    }
}
