using Qianru.Search;
using Qianru.Similarity;
using Qianru.Tests.Similarity;

namespace Qianru.Tests.Search;

public sealed class SemanticSearchTests
{
    /// <summary>The oracle: score everything in double precision, sort best first, ties to the lower id.</summary>
    private static (int Id, double Score)[] Naive(SimilarityMetric metric, float[] query, float[][] corpus)
    {
        var higher = VectorSimilarity.HigherIsCloser(metric);
        return [.. corpus.Select((c, i) => (Id: i, Score: NaiveMetrics.Score(metric, query, c)))
            .OrderBy(h => higher ? -h.Score : h.Score).ThenBy(h => h.Id)];
    }

    [Theory]
    [InlineData(SimilarityMetric.Cosine, 64, true)]
    [InlineData(SimilarityMetric.Dot, 64, true)]
    [InlineData(SimilarityMetric.Euclidean, 64, true)]
    [InlineData(SimilarityMetric.Manhattan, 64, true)]
    [InlineData(SimilarityMetric.Cosine, 13, true)]
    [InlineData(SimilarityMetric.Euclidean, 5, true)]
    [InlineData(SimilarityMetric.Dot, 384, true)]
    [InlineData(SimilarityMetric.Cosine, 64, false)]
    [InlineData(SimilarityMetric.Dot, 37, false)]
    [InlineData(SimilarityMetric.Euclidean, 5, false)]
    public void Top_k_matches_naive_double_oracle(SimilarityMetric metric, int dims, bool panelKernel)
    {
        var random = new Random(42 + dims);
        var corpus = NaiveMetrics.RandomVectors(random, 1500, dims);
        var queries = NaiveMetrics.RandomVectors(random, 23, dims);
        var hits = SemanticSearch.Search(queries, corpus, new SemanticSearchOptions { TopK = 10, Metric = metric, ChunkSize = 97, AllowPanelKernel = panelKernel });
        Assert.Equal(queries.Length, hits.Length);
        for (var q = 0; q < queries.Length; q++)
        {
            var expected = Naive(metric, queries[q], corpus);
            Assert.Equal(10, hits[q].Length);
            for (var r = 0; r < 10; r++)
            {
                var truth = NaiveMetrics.Score(metric, queries[q], corpus[hits[q][r].Id]);
                // The reported score is the hit's score, and rank r holds a vector as good as the oracle's rank r.
                Assert.True(Math.Abs(hits[q][r].Score - truth) < 1e-4, $"q{q} r{r}: score {hits[q][r].Score} vs {truth}");
                Assert.True(Math.Abs(truth - expected[r].Score) < 1e-4, $"q{q} r{r}: id {hits[q][r].Id} vs {expected[r].Id}");
            }

            Assert.Equal(10, hits[q].Select(h => h.Id).Distinct().Count());
        }
    }

    [Theory]
    [InlineData(SimilarityMetric.Dot)]
    [InlineData(SimilarityMetric.Euclidean)]
    [InlineData(SimilarityMetric.Manhattan)]
    [InlineData(SimilarityMetric.Cosine)]
    public void Ties_go_to_the_lower_id_whatever_the_chunking(SimilarityMetric metric)
    {
        // Integer vectors drawn from a tiny set: many exact duplicates, so many exactly tied scores.
        var random = new Random(3);
        var distinct = NaiveMetrics.RandomVectors(random, 12, 19, integers: true);
        var corpus = Enumerable.Range(0, 600).Select(_ => (float[])distinct[random.Next(distinct.Length)].Clone()).ToArray();
        var queries = NaiveMetrics.RandomVectors(random, 9, 19, integers: true);
        SearchHit[][]? first = null;
        foreach (var (chunk, threads, panel) in new[] { (1, 1, true), (7, -1, false), (64, 2, true), (1024, -1, true), (33, 1, false) })
        {
            var hits = SemanticSearch.Search(queries, corpus, new SemanticSearchOptions { TopK = 25, Metric = metric, ChunkSize = chunk, MaxDegreeOfParallelism = threads, AllowPanelKernel = panel });
            for (var q = 0; q < queries.Length; q++)
            {
                var expected = Naive(metric, queries[q], corpus).Take(25).Select(h => h.Id);
                Assert.Equal(expected, hits[q].Select(h => h.Id));
            }

            if (first is not null)
            {
                Assert.Equal(first.SelectMany(h => h), hits.SelectMany(h => h));
            }

            first = hits;
        }
    }

    [Fact]
    public void Small_corpus_empty_inputs_and_bad_dimensions()
    {
        float[][] corpus = [[1, 0], [0, 1], [1, 1]];
        var hits = SemanticSearch.Search([[1f, 0.1f]], corpus, new SemanticSearchOptions { TopK = 10 });
        Assert.Equal([0, 2, 1], hits[0].Select(h => h.Id));
        Assert.Empty(SemanticSearch.Search([[1f, 0f]], [])[0]);
        Assert.Empty(SemanticSearch.Search([], corpus));
        var e = Assert.Throws<ArgumentException>(() => SemanticSearch.Search([[1f, 0f]], [[1f, 0f], [1f, 2f, 3f]]));
        Assert.Contains("corpus vector 1 has 3 dimensions", e.Message);
    }

    [Theory]
    [InlineData(SimilarityMetric.Dot)]
    [InlineData(SimilarityMetric.Euclidean)]
    public void Paraphrase_mining_matches_all_pairs_oracle(SimilarityMetric metric)
    {
        var random = new Random(11);
        var corpus = NaiveMetrics.RandomVectors(random, 60, 16, integers: true);
        var pairs = SemanticSearch.MineParaphrases(corpus, new ParaphraseMiningOptions { TopK = 100, MaxPairs = 200, Metric = metric });
        var higher = VectorSimilarity.HigherIsCloser(metric);
        var expected = (from i in Enumerable.Range(0, corpus.Length)
                        from j in Enumerable.Range(i + 1, corpus.Length - i - 1)
                        let s = NaiveMetrics.Score(metric, corpus[i], corpus[j])
                        orderby higher ? -s : s, i, j
                        select (i, j, s)).Take(200).ToArray();
        Assert.Equal(expected.Length, pairs.Count);
        for (var r = 0; r < expected.Length; r++)
        {
            Assert.Equal((expected[r].i, expected[r].j), (pairs[r].First, pairs[r].Second));
            Assert.Equal(expected[r].s, pairs[r].Score, 4);
        }
    }
}

/// <summary>Runs alone: GC.GetTotalAllocatedBytes counts every thread, so no other test may run meanwhile.</summary>
[CollectionDefinition(nameof(SemanticSearchMemoryTests), DisableParallelization = true)]
public sealed class SemanticSearchMemoryCollection
{
}

[Collection(nameof(SemanticSearchMemoryTests))]
public sealed class SemanticSearchMemoryTests
{
    [Fact]
    public void Memory_stays_bounded_no_query_by_corpus_score_matrix()
    {
        var random = new Random(8);
        // Matrices, as the embedder and vector files hand them over: arrays of arrays would be copied into one first.
        var corpus = VectorMatrix.FromRows(Qianru.Tests.Similarity.NaiveMetrics.RandomVectors(random, 200_000, 16));
        var queries = VectorMatrix.FromRows(Qianru.Tests.Similarity.NaiveMetrics.RandomVectors(random, 100, 16));
        var options = new SemanticSearchOptions { TopK = 10, ChunkSize = 1024 };
        SemanticSearch.Search(queries.SelectRows([0, 1]), corpus.SelectRows([.. Enumerable.Range(0, 5000)]), options); // warm-up (JIT)
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var hits = SemanticSearch.Search(queries, corpus, options);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.Equal(100, hits.Length);
        // A score matrix would be 100 × 200,000 × 4 bytes = 80 MB; the search needs the norms (0.8 MB) and per-thread
        // heaps and tiles.
        Assert.True(allocated < 8_000_000, $"allocated {allocated:N0} bytes");
    }
}
