using Microsoft.Data.Sqlite;
using Qianru.Collections;
using Qianru.Search;
using Qianru.Tests.Similarity;
using Qianru.TestSupport;

namespace Qianru.Tests.Collections;

/// <summary>The SQLite store: stored count, conflicts, concurrent writers, read-only files and folders, the checksummed HNSW cache, files of earlier versions.</summary>
public sealed class SqliteCollectionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("qianru-sqlite-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Db => Path.Combine(_dir, "c.db");

    private static (CollectionItem[] Items, float[][] Vectors) Corpus(int count, int dims = 16, int seed = 1) =>
        ([.. Enumerable.Range(0, count).Select(i => new CollectionItem($"text {i}", $"id-{i}", $"{{\"n\": {i}}}"))], NaiveMetrics.RandomVectors(new Random(seed), count, dims));

    [Fact]
    public void The_count_is_stored_not_scanned_and_follows_inserts_and_deletes()
    {
        var (items, vectors) = Corpus(40);
        using (var collection = VectorCollection.Create(Db, new CollectionInfo("m", 16, false)))
        {
            collection.AddVectors(items, vectors, "m");
            Assert.Equal(40, collection.Count);
            Assert.True(collection.Remove("id-3"));
            Assert.Equal(39, collection.Count);
        }

        // Count reads the stored value (set here behind the collection's back), not COUNT(*).
        using (var connection = new SqliteConnection($"Data Source={Db};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT value FROM meta WHERE key = 'count'; UPDATE meta SET value = '12345' WHERE key = 'count'";
            Assert.Equal("39", command.ExecuteScalar());
        }

        using var reopened = VectorCollection.Open(Db);
        Assert.Equal(12345, reopened.Count);
    }

    [Fact]
    public async Task Conflict_policies_and_repeats_within_one_input()
    {
        using var collection = VectorCollection.Create(Db, new CollectionInfo("test-hash", 16, false));
        var generator = new HashEmbeddingGenerator();
        Assert.Equal(new CollectionAddResult(2, 1), await collection.AddAsync([new("a", "1"), new("b", "2"), new("a", "1")], generator));
        Assert.Equal(new CollectionAddResult(0, 2), await collection.AddAsync([new("a2", "1"), new("b", "2", "{}")], generator, new CollectionAddOptions { OnConflict = ConflictPolicy.Skip }));
        Assert.Equal("a", collection.Search(HashEmbeddingGenerator.Vector("a", 16), 1, CollectionIndexMode.Exact)[0].Text);

        // Replace (the default): the later of two repeats wins, and re-adding an id with new text updates text and vector.
        Assert.Equal(new CollectionAddResult(0, 1, 1), await collection.AddAsync([new("a2", "1"), new("a3", "1")], generator));
        var hit = collection.Search(HashEmbeddingGenerator.Vector("a3", 16), 1, CollectionIndexMode.Exact)[0];
        Assert.Equal(("1", "a3"), (hit.Id, hit.Text));
        Assert.Equal(1f, hit.Score, 5);

        var error = new CollectionAddOptions { OnConflict = ConflictPolicy.Error };
        var refused = await Assert.ThrowsAsync<QianruException>(() => collection.AddAsync([new("c", "3"), new("b changed", "2")], generator, error));
        Assert.Contains("item '2' is already in", refused.Message);
        Assert.Contains(Db, refused.Message);
        await Assert.ThrowsAsync<QianruException>(() => collection.AddAsync([new("x", "9"), new("y", "9")], generator, error));
        Assert.Equal(new CollectionAddResult(1, 1), await collection.AddAsync([new("c", "3"), new("b", "2")], generator, error)); // same content is not a conflict
        Assert.Equal(3, collection.Count);
    }

    [Fact]
    public async Task Concurrent_writers_with_overlapping_ids_store_every_id_once()
    {
        using (VectorCollection.Create(Db, new CollectionInfo("test-hash", 16, false)))
        {
        }

        var items = Enumerable.Range(0, 400).Select(i => new CollectionItem($"shared text {i}")).ToArray();
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            using var writer = VectorCollection.Open(Db);
            return await writer.AddAsync([.. items.Skip(w * 50).Take(250)], new HashEmbeddingGenerator(), batchSize: 9);
        })));
        using var check = VectorCollection.Open(Db);
        Assert.Equal(400, check.Count);
        Assert.Equal(400, results.Sum(r => r.Added));
        var ids = check.Search(new float[16].Select((_, i) => (float)i).ToArray(), 1000, CollectionIndexMode.Exact).Select(h => h.Id).ToList();
        Assert.Equal(items.Select(i => VectorCollection.IdForText(i.Text)).Order(), ids.Order());
    }

    [Fact]
    public void A_damaged_or_foreign_HNSW_cache_is_never_searched_and_is_rebuilt()
    {
        var (items, vectors) = Corpus(500, 24, 7);
        using var collection = VectorCollection.Create(Db, new CollectionInfo("m", 24, false));
        collection.AddVectors(items, vectors, "m");
        var queries = NaiveMetrics.RandomVectors(new Random(70), 20, 24);
        SearchHit[][] Answers(VectorCollection c, CollectionIndexMode mode) =>
            [.. queries.Select(q => c.Search(q, 5, mode).Select(h => new SearchHit(int.Parse(h.Id[3..], System.Globalization.CultureInfo.InvariantCulture), h.Score)).ToArray())];
        var exact = Answers(collection, CollectionIndexMode.Exact);
        Assert.Equal(500, collection.RebuildIndex());
        var cache = collection.IndexInfo.Location;
        Assert.Equal(CollectionIndexStatus.Fresh, collection.IndexInfo.Status);
        Assert.True(Recall.AtK(exact, Answers(collection, CollectionIndexMode.Hnsw)) >= 0.95);

        // Random bytes in the middle of the file: the checksum no longer matches.
        var bytes = File.ReadAllBytes(cache);
        new Random(3).NextBytes(bytes.AsSpan(bytes.Length / 2, 4096));
        File.WriteAllBytes(cache, bytes);
        using (var other = VectorCollection.Open(Db))
        {
            Assert.Equal(CollectionIndexStatus.Damaged, other.IndexInfo.Status);
            Assert.True(Recall.AtK(exact, Answers(other, CollectionIndexMode.Hnsw)) >= 0.95);
            Assert.Equal(CollectionIndexStatus.Fresh, other.IndexInfo.Status); // rebuilt and rewritten
        }

        // Truncated.
        File.WriteAllBytes(cache, bytes[..(bytes.Length / 3)]);
        Assert.Equal(CollectionIndexStatus.Damaged, collection.IndexInfo.Status);

        // A valid cache of another collection with the same generation and count.
        var otherDb = Path.Combine(_dir, "other.db");
        using (var twin = VectorCollection.Create(otherDb, new CollectionInfo("m", 24, false)))
        {
            twin.AddVectors(items, NaiveMetrics.RandomVectors(new Random(99), 500, 24), "m");
            twin.RebuildIndex();
        }

        File.Copy(otherDb + ".hnsw", cache, overwrite: true);
        using (var reopened = VectorCollection.Open(Db))
        {
            Assert.Equal(CollectionIndexStatus.Stale, reopened.IndexInfo.Status);
            Assert.True(Recall.AtK(exact, Answers(reopened, CollectionIndexMode.Hnsw)) >= 0.95);
        }
    }

    [Fact]
    public void A_read_only_file_is_searched_and_writes_fail_with_one_line_naming_it()
    {
        var (items, vectors) = Corpus(30);
        using (var collection = VectorCollection.Create(Db, new CollectionInfo("m", 16, false)))
        {
            collection.AddVectors(items, vectors, "m");
        }

        using (new ReadOnlyPath(Db))
        {
            using var collection = VectorCollection.Open(Db);
            Assert.True(collection.IsReadOnly);
            Assert.Equal("id-4", collection.Search(vectors[4], 1, CollectionIndexMode.Exact)[0].Id);
            Assert.Equal("id-4", collection.Search(vectors[4], 1, CollectionIndexMode.Hnsw)[0].Id);
            var e = Assert.Throws<QianruException>(() => collection.AddVectors([new CollectionItem("new")], [vectors[0]], "m"));
            Assert.Contains(Db, e.Message);
            Assert.Contains("read-only", e.Message);
            Assert.DoesNotContain('\n', e.Message);
            Assert.Throws<QianruException>(() => collection.Remove("id-1"));
        }

        using var writable = VectorCollection.Open(Db);
        Assert.False(writable.IsReadOnly);
        Assert.Equal(30, writable.Count);
    }

    [Fact]
    public void A_collection_in_a_read_only_folder_is_searched_without_writing_a_journal()
    {
        var folder = Path.Combine(_dir, "ro");
        Directory.CreateDirectory(folder);
        var db = Path.Combine(folder, "c.db");
        var (items, vectors) = Corpus(30);
        using (var collection = VectorCollection.Create(db, new CollectionInfo("m", 16, false)))
        {
            collection.AddVectors(items, vectors, "m");
        }

        var before = Directory.GetFiles(folder).Order().ToArray();
        using (new ReadOnlyPath(folder))
        {
            foreach (var readOnly in new[] { true, false })
            {
                using var collection = VectorCollection.Open(db, new CollectionOpenOptions { ReadOnly = readOnly });
                Assert.True(collection.IsReadOnly);
                Assert.Equal(30, collection.Count);
                Assert.Equal("id-9", collection.Search(vectors[9], 1, CollectionIndexMode.Exact)[0].Id);
                Assert.Equal("id-9", collection.Search(vectors[9], 1, CollectionIndexMode.Hnsw)[0].Id); // the index serves from memory
                var e = Assert.Throws<QianruException>(() => collection.AddVectors([new CollectionItem("new")], [vectors[0]], "m"));
                Assert.Contains(db, e.Message);
                Assert.Throws<QianruException>(() => collection.RebuildIndex());
            }
        }

        Assert.Equal(before, Directory.GetFiles(folder).Order().ToArray());
    }

    [Fact]
    public async Task A_file_of_an_earlier_version_is_read_as_it_is_and_upgraded_by_its_next_write()
    {
        using (var connection = new SqliteConnection($"Data Source={Db};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                PRAGMA journal_mode=WAL;
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE items (rowid INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, text TEXT, metadata TEXT, vector BLOB NOT NULL);
                INSERT INTO meta VALUES ('format', 'qianru-collection/1'), ('model_id', 'test-hash'), ('dimensions', '16'), ('normalized', 'false'), ('generation', '1');
                """;
            command.ExecuteNonQuery();
            foreach (var text in new[] { "old one", "old two" })
            {
                using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO items (id, text, vector) VALUES ($id, $text, $vector)";
                insert.Parameters.AddWithValue("$id", VectorCollection.IdForText(text));
                insert.Parameters.AddWithValue("$text", text);
                insert.Parameters.AddWithValue("$vector", System.Runtime.InteropServices.MemoryMarshal.AsBytes(HashEmbeddingGenerator.Vector(text, 16).AsSpan()).ToArray());
                insert.ExecuteNonQuery();
            }
        }

        File.WriteAllBytes(Db + ".hnsw", new byte[100]); // a cache of the earlier format
        File.WriteAllText(Db + ".hnsw.json", "{\"generation\": 1}");
        using (var old = VectorCollection.Open(Db, new CollectionOpenOptions { ReadOnly = true }))
        {
            Assert.Equal(2, old.Count);
            Assert.Null(old.Info.Fingerprint);
            Assert.Equal(CollectionIndexStatus.Damaged, old.IndexInfo.Status);
            Assert.Equal("old two", old.Search(HashEmbeddingGenerator.Vector("old two", 16), 1, CollectionIndexMode.Hnsw)[0].Text);
        }

        using (var collection = VectorCollection.Open(Db))
        {
            await collection.AddAsync([new CollectionItem("new three")], new HashEmbeddingGenerator(fingerprint: "sha256:0123456789abcdef"));
            Assert.Equal(3, collection.Count);
            Assert.Equal("sha256:0123456789abcdef", collection.Info.Fingerprint);
            collection.RebuildIndex();
            Assert.False(File.Exists(Db + ".hnsw.json"));
        }

        using var upgraded = VectorCollection.Open(Db, new CollectionOpenOptions { ReadOnly = true });
        Assert.Equal("sha256:0123456789abcdef", upgraded.Info.Fingerprint);
        Assert.Equal(3, upgraded.Count);
        await Assert.ThrowsAsync<QianruException>(() => upgraded.AddAsync([new CollectionItem("x")], new HashEmbeddingGenerator()));
        var refused = await Assert.ThrowsAsync<QianruException>(() => upgraded.SearchAsync("x", new HashEmbeddingGenerator(fingerprint: "sha256:ffff")));
        Assert.Contains("other weights or another tokenizer", refused.Message);
    }
}
