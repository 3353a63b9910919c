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
    public void Save_replaces_an_old_file_whole_and_leaves_nothing_else_in_the_folder()
    {
        var corpus = NaiveMetrics.RandomVectors(new Random(3), 200, 8);
        var dir = Directory.CreateTempSubdirectory("qianru-hnsw-save-").FullName;
        try
        {
            var path = Path.Combine(dir, "index.usearch");
            File.WriteAllText(path, "an older, unrelated file");
            using (var index = HnswIndex.Build(corpus))
            {
                index.Save(path);
            }

            Assert.Equal([path], Directory.GetFiles(dir));
            using var loaded = HnswIndex.Load(path);
            Assert.Equal(200, loaded.Count);
            Assert.Equal(17, loaded.Search([corpus[17]], 1)[0][0].Id);
            using var other = HnswIndex.Build(corpus[..10]);
            Assert.ThrowsAny<IOException>(() => other.Save(Path.Combine(dir, "missing", "index.usearch")));
            Assert.Equal([path], Directory.GetFiles(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Manhattan_is_not_supported()
    {
        Assert.Contains("supported: cosine, dot, euclidean", Assert.Throws<NotSupportedException>(
            () => HnswIndex.Create(4, new HnswOptions { Metric = SimilarityMetric.Manhattan })).Message);
    }

    [Fact]
    public void Concurrent_searches_with_different_ef_get_what_a_single_caller_gets()
    {
        var random = new Random(31);
        var corpus = NaiveMetrics.RandomVectors(random, 3000, 32);
        var queries = NaiveMetrics.RandomVectors(random, 40, 32);
        using var index = HnswIndex.Build(corpus, new HnswOptions { M = 8, EfConstruction = 40 });
        int[] efs = [10, 40, 400];

        // What one caller gets at each ef; ef changes the results (else this test could not see a shared ef).
        var expected = efs.ToDictionary(ef => ef, ef => index.Search(queries, 10, new VectorSearchOptions { Ef = ef }));
        Assert.NotEqual(Ids(expected[10]), Ids(expected[400]));

        var failures = 0;
        Parallel.For(0, 240, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var ef = efs[i % efs.Length];
            var hits = index.Search(queries, 10, new VectorSearchOptions { Ef = ef, MaxDegreeOfParallelism = 1 + (i % 3) });
            if (Ids(hits) != Ids(expected[ef]))
            {
                Interlocked.Increment(ref failures);
            }
        });
        Assert.Equal(0, failures);
        Assert.Equal(64, index.EfSearch); // the default is not changed by searches
    }

    [Fact]
    public async Task Adding_and_searching_at_once_is_safe()
    {
        var random = new Random(5);
        var corpus = NaiveMetrics.RandomVectors(random, 2000, 16);
        using var index = HnswIndex.Build(corpus[..1000]);
        var searching = Task.Run(() =>
        {
            for (var i = 0; i < 200; i++)
            {
                // Approximate search with ef as low as 16 while the graph grows: the vector itself must be among
                // the 5 hits; first place is not guaranteed at such a low ef.
                var hits = index.Search([corpus[i]], 5, new VectorSearchOptions { Ef = 16 + (i % 5 * 30) })[0];
                Assert.Contains(i, hits.Select(h => h.Id));
            }
        });
        for (var i = 1000; i < 2000; i += 100)
        {
            index.Add([.. Enumerable.Range(i, 100)], corpus[i..(i + 100)]);
        }

        await searching;
        Assert.Equal(2000, index.Count);
        Assert.Equal(1999, index.Search([corpus[1999]], 1)[0][0].Id);
    }

    [Fact]
    public void K_beyond_the_count_returns_the_count_without_allocating_k()
    {
        var corpus = NaiveMetrics.RandomVectors(new Random(8), 50, 8);
        using var index = HnswIndex.Build(corpus);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var hits = index.Search([corpus[0]], int.MaxValue, new VectorSearchOptions { MaxDegreeOfParallelism = 1 })[0];
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1_000_000);
        Assert.Equal(50, hits.Length);
        Assert.Equal(0, hits[0].Id);
    }

    private static string Ids(SearchHit[][] hits) => string.Join(';', hits.Select(row => string.Join(',', row.Select(h => h.Id))));
}
