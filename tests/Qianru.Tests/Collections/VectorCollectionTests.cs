using System.Numerics.Tensors;
using Qianru.Collections;
using Qianru.Similarity;
using Qianru.Tests.Similarity;

namespace Qianru.Tests.Collections;

public sealed class VectorCollectionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("qianru-coll-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Db => Path.Combine(_dir, "c.db");

    private static bool IsStale(VectorCollection collection) => collection.IndexInfo.Status != CollectionIndexStatus.Fresh;

    private static CollectionItem[] Items(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new CollectionItem($"text number {i}", Metadata: $"{{\"n\": {i}}}"))];

    [Fact]
    public async Task Add_stores_rows_with_stable_ids_and_rerun_skips_them()
    {
        var generator = new HashEmbeddingGenerator();
        using (var collection = VectorCollection.Create(Db, new CollectionInfo("test-hash", 16, Normalized: true)))
        {
            var first = await collection.AddAsync(Items(50)[..30], generator, batchSize: 7);
            Assert.Equal(new CollectionAddResult(30, 0), first);
        }

        using (var collection = VectorCollection.Open(Db))
        {
            Assert.Equal(new CollectionInfo("test-hash", 16, true), collection.Info);
            var calls = generator.Calls;
            var second = await collection.AddAsync(Items(50), generator, batchSize: 7);
            Assert.Equal(new CollectionAddResult(20, 30), second);
            Assert.Equal(calls + 3, generator.Calls); // only the 20 new texts were embedded (3 batches of <= 7)
            Assert.Equal(50, collection.Count);
            var hit = collection.Search(HashEmbeddingGenerator.Vector("text number 7", 16), k: 1, CollectionIndexMode.Exact)[0];
            Assert.Equal(VectorCollection.IdForText("text number 7"), hit.Id);
            Assert.Equal("text number 7", hit.Text);
            Assert.Equal("{\"n\": 7}", hit.Metadata);
            Assert.Equal(1f, hit.Score, 5);
        }
    }

    [Fact]
    public void The_model_source_is_stored_and_optional()
    {
        using (VectorCollection.Create(Db, new CollectionInfo("bge-small-zh", 16, true) { ModelSource = "/models/bge-small-zh" }))
        {
        }

        using (var reopened = VectorCollection.Open(Db))
        {
            Assert.Equal("/models/bge-small-zh", reopened.Info.ModelSource);
            Assert.Equal(new CollectionInfo("bge-small-zh", 16, true) { ModelSource = "/models/bge-small-zh" }, reopened.Info);
        }

        File.Delete(Db);
        using (VectorCollection.Create(Db, new CollectionInfo("minilm", 16, true)))
        {
        }

        using var plain = VectorCollection.Open(Db);
        Assert.Null(plain.Info.ModelSource);
    }

    [Fact]
    public async Task Exact_search_matches_naive_cosine_ranking()
    {
        using var collection = VectorCollection.Create(Db, new CollectionInfo("test-hash", 16, Normalized: false));
        var items = Items(120);
        await collection.AddAsync(items, new HashEmbeddingGenerator(), batchSize: 50);
        var random = new Random(9);
        for (var trial = 0; trial < 5; trial++)
        {
            var query = NaiveMetrics.RandomVectors(random, 1, 16)[0];
            var expected = items.Select(i => (i.Text, s: NaiveMetrics.Score(SimilarityMetric.Cosine, query, HashEmbeddingGenerator.Vector(i.Text, 16))))
                .OrderByDescending(x => x.s).Take(5).ToArray();
            var hits = collection.Search(query, 5, CollectionIndexMode.Exact);
            Assert.Equal(expected.Select(e => e.Text), hits.Select(h => h.Text));
            for (var r = 0; r < 5; r++)
            {
                Assert.Equal(expected[r].s, hits[r].Score, 5);
            }
        }
    }

    [Fact]
    public async Task Hnsw_cache_is_built_on_demand_detected_stale_and_rebuilt()
    {
        using var collection = VectorCollection.Create(Db, new CollectionInfo("test-hash", 16, Normalized: true));
        var generator = new HashEmbeddingGenerator();
        await collection.AddAsync(Items(200), generator);
        Assert.True(IsStale(collection));
        var query = HashEmbeddingGenerator.Vector("text number 3", 16);
        var viaIndex = collection.Search(query, 10, CollectionIndexMode.Hnsw);
        Assert.True(File.Exists(collection.IndexInfo.Location));
        Assert.False(IsStale(collection));
        var viaExact = collection.Search(query, 10, CollectionIndexMode.Exact);
        Assert.Equal(viaExact.Select(h => h.Id), viaIndex.Select(h => h.Id));
        for (var r = 0; r < viaExact.Count; r++)
        {
            Assert.Equal(viaExact[r].Score, viaIndex[r].Score, 6); // the float16 index's hits are rescored exactly
        }

        await collection.AddAsync([new CollectionItem("text number 3", Metadata: "{\"n\":3}")], generator); // same text and metadata, no id: skipped
        Assert.False(IsStale(collection));
        await collection.AddAsync([new CollectionItem("a new text", Id: "new")], generator);
        Assert.True(IsStale(collection));
        var newVector = HashEmbeddingGenerator.Vector("a new text", 16);
        Assert.Equal("new", collection.Search(newVector, 1, CollectionIndexMode.Hnsw)[0].Id);
        Assert.False(IsStale(collection));

        // Another process (a new instance) sees the fresh cache and loads it instead of rebuilding.
        var written = File.GetLastWriteTimeUtc(collection.IndexInfo.Location);
        using (var other = VectorCollection.Open(Db))
        {
            Assert.False(IsStale(other));
            Assert.Equal("new", other.Search(newVector, 1, CollectionIndexMode.Hnsw)[0].Id);
        }

        Assert.Equal(written, File.GetLastWriteTimeUtc(collection.IndexInfo.Location));
        Assert.True(collection.Remove("new"));
        Assert.True(IsStale(collection));
        Assert.NotEqual("new", collection.Search(newVector, 1, CollectionIndexMode.Hnsw)[0].Id);
    }

    [Fact]
    public async Task Wrong_model_wrong_dimension_and_bad_files_are_refused()
    {
        using (var collection = VectorCollection.Create(Db, new CollectionInfo("test-hash", 16, Normalized: true)))
        {
            var e = await Assert.ThrowsAsync<QianruException>(() => collection.AddAsync(Items(2), new HashEmbeddingGenerator("other-model")));
            Assert.Contains("'other-model' are refused", e.Message);
            e = Assert.Throws<QianruException>(() => collection.AddVectors([new CollectionItem("x")], [new float[8]], "test-hash"));
            Assert.Contains("8 dimensions", e.Message);
            Assert.Throws<QianruException>(() => collection.AddVectors([new CollectionItem("x")], [new float[16]], "another"));
            Assert.Throws<QianruException>(() => collection.AddVectors([new CollectionItem("x", Metadata: "[1]")], [new float[16]], "test-hash"));
            Assert.Contains("8 dimensions", Assert.Throws<QianruException>(() => collection.Search(new float[8])).Message);
            Assert.Equal(0, collection.Count);
        }

        Assert.Contains("already exists", Assert.Throws<QianruException>(() => VectorCollection.Create(Db, new CollectionInfo("m", 3, false))).Message);
        Assert.Throws<FileNotFoundException>(() => VectorCollection.Open(Path.Combine(_dir, "missing.db")));
        var junk = Path.Combine(_dir, "junk.db");
        File.WriteAllText(junk, "this is not sqlite, just text that is long enough to have a header........................................");
        Assert.Throws<InvalidDataException>(() => VectorCollection.Open(junk));
    }

    [Fact]
    public void Normalized_collection_stores_unit_vectors()
    {
        using var collection = VectorCollection.Create(Db, new CollectionInfo("m", 3, Normalized: true));
        collection.AddVectors([new CollectionItem("a", "a")], [[3f, 4f, 0f]], "m");
        var hit = collection.Search([3f, 4f, 0f], 1, CollectionIndexMode.Exact)[0];
        Assert.Equal(1f, hit.Score, 6);
        Assert.Equal(1f, TensorPrimitives.Norm(new float[] { 0.6f, 0.8f, 0f }), 6);
    }
}
