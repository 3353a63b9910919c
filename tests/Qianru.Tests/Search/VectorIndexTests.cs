using Qianru.Search;
using Qianru.Similarity;
using Qianru.Tests.Similarity;

namespace Qianru.Tests.Search;

public sealed class VectorIndexTests
{
    [Theory]
    [InlineData(SimilarityMetric.Cosine)]
    [InlineData(SimilarityMetric.Dot)]
    [InlineData(SimilarityMetric.Euclidean)]
    public void Every_kind_answers_through_one_shape_as_its_own_search_does(SimilarityMetric metric)
    {
        var random = new Random(12);
        var corpus = NaiveMetrics.RandomVectors(random, 800, 20);
        var queries = NaiveMetrics.RandomVectors(random, 30, 20);
        var exact = SemanticSearch.Search(queries, corpus, new SemanticSearchOptions { TopK = 10, Metric = metric });
        foreach (var kind in Enum.GetValues<VectorIndexKind>())
        {
            var index = VectorIndexBuilder.Build(corpus, kind, metric, new HnswOptions { EfSearch = 200 });
            try
            {
                Assert.Equal((800, 20, metric), (index.Count, index.Dimensions, index.Metric));
                var hits = index.Search(queries, 10, new VectorSearchOptions { Rescore = 60 });
                Assert.Equal(30, hits.Length);
                Assert.All(hits, row => Assert.Equal(10, row.Length));
                var recall = Recall.AtK(exact, hits);
                // Binary codes of 20 random dimensions are coarse even with rescoring; the others find nearly all.
                var minimum = kind switch { VectorIndexKind.Exact => 1, VectorIndexKind.Binary => 0.6, _ => 0.9 };
                Assert.True(recall >= minimum, $"{kind}: recall {recall}");
                if (kind == VectorIndexKind.Exact)
                {
                    Assert.Equal(exact.Select(r => r.Select(h => (h.Id, h.Score))), hits.Select(r => r.Select(h => (h.Id, h.Score))));
                }
            }
            finally
            {
                (index as IDisposable)?.Dispose();
            }
        }
    }

    [Fact]
    public void An_empty_corpus_finds_nothing_except_that_quantization_needs_vectors()
    {
        Assert.Empty(VectorIndexBuilder.Build([], VectorIndexKind.Hnsw).Search([new float[4]], 3)[0]);
        Assert.Empty(VectorIndexBuilder.Build([], VectorIndexKind.Exact).Search([new float[4]], 3)[0]);
        Assert.Throws<ArgumentException>(() => VectorIndexBuilder.Build([], VectorIndexKind.Int8));
        Assert.Throws<NotSupportedException>(() => VectorIndexBuilder.Build([new float[4]], VectorIndexKind.Binary, SimilarityMetric.Manhattan));
    }

    [Fact]
    public void Search_options_are_checked_when_made()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new VectorSearchOptions { Ef = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new VectorSearchOptions { Ef = VectorSearchOptions.MaxEf + 1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new VectorSearchOptions { Rescore = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new HnswOptions { EfSearch = 100_000 });
    }
}
