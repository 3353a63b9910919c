using Qianru.Search;
using Qianru.Similarity;
using Qianru.Tests.Similarity;

namespace Qianru.Tests.Search;

public sealed class HnswIndexTests
{
    [Theory]
    [InlineData(SimilarityMetric.Cosine)]
    [InlineData(SimilarityMetric.Dot)]
    [InlineData(SimilarityMetric.Euclidean)]
    public void Recall_against_exact_search_is_high_and_scores_are_the_metric(SimilarityMetric metric)
    {
        var random = new Random(17);
        var corpus = NaiveMetrics.RandomVectors(random, 2000, 24);
        var queries = NaiveMetrics.RandomVectors(random, 50, 24);
        using var index = HnswIndex.Build(corpus, new HnswOptions { Metric = metric, EfSearch = 128 });
        Assert.Equal(2000, index.Count);
        var approximate = index.Search(queries, 10);
        var exact = SemanticSearch.Search(queries, corpus, new SemanticSearchOptions { TopK = 10, Metric = metric });
        Assert.True(Recall.AtK(exact, approximate) >= 0.95, $"recall {Recall.AtK(exact, approximate)}");
        foreach (var (q, hits) in approximate.Select((h, q) => (q, h)))
        {
            foreach (var hit in hits)
            {
                Assert.Equal(NaiveMetrics.Score(metric, queries[q], corpus[hit.Id]), hit.Score, 3);
            }
        }
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
                Assert.NotEqual(5, index.Search(corpus[5], 1)[0].Id);
                index.Add(1000, corpus[5]);
                Assert.Equal(1000, index.Search(corpus[5], 1)[0].Id);
                Assert.Throws<ArgumentException>(() => index.Add(1000, corpus[6]));
                Assert.Throws<ArgumentException>(() => index.Add(1001, new float[3]));
                index.Save(path);
            }

            using var loaded = HnswIndex.Load(path, SimilarityMetric.Cosine, efSearch: 200);
            Assert.Equal(8, loaded.Dimensions);
            Assert.Equal(1000, loaded.Search(corpus[5], 1)[0].Id);
            Assert.Equal(17, loaded.Search(corpus[17], 1)[0].Id);
            Assert.Equal(1f, loaded.Search(corpus[17], 1)[0].Score, 4);
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
