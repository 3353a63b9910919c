using Qianru.Collections;
using Qianru.Collections.PostgreSQL;
using Qianru.Search;
using Qianru.Similarity;
using Qianru.Tests.Similarity;
using Qianru.TestSupport;

namespace Qianru.Tests.Collections;

[CollectionDefinition("PostgreSQL")]
public sealed class PostgresServerCollection : ICollectionFixture<PgliteServer>
{
}

/// <summary>The PostgreSQL + pgvector collection against a real pgvector (PGlite on loopback), checked against the SQLite collection.</summary>
[Collection("PostgreSQL")]
public sealed class PostgresCollectionTests(PgliteServer server) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("qianru-pg-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (CollectionItem[] Items, float[][] Vectors) Corpus(int count, int dims, int seed)
    {
        var random = new Random(seed);
        var vectors = NaiveMetrics.RandomVectors(random, count, dims);
        var items = Enumerable.Range(0, count).Select(i => new CollectionItem($"text {i}", $"id-{i}", $"{{\"n\": {i}, \"even\": {(i % 2 == 0 ? "true" : "false")}}}")).ToArray();
        return (items, vectors);
    }

    [Theory]
    [InlineData(SimilarityMetric.Cosine)]
    [InlineData(SimilarityMetric.Dot)]
    [InlineData(SimilarityMetric.Euclidean)]
    public void Exact_search_gives_the_ids_of_the_SQLite_collection_and_HNSW_finds_them(SimilarityMetric metric)
    {
        var (items, vectors) = Corpus(600, 24, 11);
        var info = new CollectionInfo("test-hash", 24, Normalized: false) { Metric = metric };
        using var sqlite = VectorCollection.Create(Path.Combine(_dir, "c.db"), info);
        using var pg = PostgresCollection.Create(server.Uri(PgliteServer.NewCollection("same")), info);
        Assert.Equal(new CollectionAddResult(600, 0), sqlite.AddVectors(items, vectors, "test-hash"));
        Assert.Equal(new CollectionAddResult(600, 0), pg.AddVectors(items, vectors, "test-hash"));
        Assert.Equal(600, pg.Count);

        var queries = NaiveMetrics.RandomVectors(new Random(5), 25, 24);
        var exact = new List<SearchHit[]>();
        var viaIndex = new List<SearchHit[]>();
        foreach (var query in queries)
        {
            var expected = sqlite.Search(query, 10, CollectionIndexMode.Exact);
            var actual = pg.Search(query, 10, CollectionIndexMode.Exact);
            Assert.Equal(expected.Select(h => h.Id), actual.Select(h => h.Id));
            for (var r = 0; r < expected.Count; r++)
            {
                Assert.True(Math.Abs(expected[r].Score - actual[r].Score) <= 1e-5 * Math.Max(1, Math.Abs(expected[r].Score)), $"{expected[r].Score} vs {actual[r].Score}");
                Assert.Equal(expected[r].Text, actual[r].Text);
            }

            var naive = NaiveMetrics.Score(metric, query, vectors[int.Parse(actual[0].Id[3..], System.Globalization.CultureInfo.InvariantCulture)]);
            Assert.True(Math.Abs(naive - actual[0].Score) <= 1e-5 * Math.Max(1, Math.Abs(naive)), $"{naive} vs {actual[0].Score}");
            exact.Add([.. expected.Select(h => new SearchHit(int.Parse(h.Id[3..], System.Globalization.CultureInfo.InvariantCulture), h.Score))]);
            viaIndex.Add([.. pg.Search(query, 10, CollectionIndexMode.Hnsw).Select(h => new SearchHit(int.Parse(h.Id[3..], System.Globalization.CultureInfo.InvariantCulture), h.Score))]);
        }

        Assert.Equal(CollectionIndexStatus.Fresh, pg.IndexInfo.Status); // built on demand by the HNSW search
        var recall = Recall.AtK(exact, viaIndex);
        Assert.True(recall >= 0.9, $"pgvector HNSW recall@10 {recall}");
    }

    [Fact]
    public void Metadata_round_trips_as_json_and_halfvec_stores_float16()
    {
        var (items, vectors) = Corpus(200, 16, 3);
        var info = new CollectionInfo("test-hash", 16, Normalized: true);
        using var sqlite = VectorCollection.Create(Path.Combine(_dir, "c.db"), info);
        sqlite.AddVectors(items, vectors, "test-hash");
        var name = PgliteServer.NewCollection("half");
        using (var created = PostgresCollection.Create(server.Uri(name), info with { HalfPrecision = true }))
        {
            created.AddVectors(items, vectors, "test-hash");
        }

        using var pg = PostgresCollection.Open(server.Uri(name));
        Assert.True(pg.Info.HalfPrecision);
        foreach (var mode in new[] { CollectionIndexMode.Exact, CollectionIndexMode.Hnsw })
        {
            var top = pg.Search(vectors[7], 3, mode)[0];
            Assert.Equal("id-7", top.Id);
            Assert.Equal("text 7", top.Text);
            Assert.True(CollectionMetadata.SameJson("{\"n\": 7, \"even\": false}", top.Metadata), top.Metadata);
        }

        // Scores from float16 vectors: within about 1e-3 of the float32 ones, and not equal to them.
        var worst = 0.0;
        foreach (var query in NaiveMetrics.RandomVectors(new Random(8), 10, 16))
        {
            var expected = sqlite.Search(query, 5, CollectionIndexMode.Exact).ToDictionary(h => h.Id, h => h.Score);
            foreach (var hit in pg.Search(query, 5, CollectionIndexMode.Exact).Where(h => expected.ContainsKey(h.Id)))
            {
                worst = Math.Max(worst, Math.Abs(expected[hit.Id] - hit.Score));
            }
        }

        Assert.InRange(worst, 1e-6, 2e-3);
    }

    [Fact]
    public async Task Conflicts_are_replaced_skipped_or_refused_and_the_count_and_generation_follow()
    {
        var uri = server.Uri(PgliteServer.NewCollection("conflict"));
        using var pg = PostgresCollection.Create(uri, new CollectionInfo("test-hash", 16, Normalized: false));
        var generator = new HashEmbeddingGenerator();
        Assert.Equal(new CollectionAddResult(3, 0), await pg.AddAsync([new("a", "1"), new("b", "2"), new("c", "3")], generator));
        var generation = pg.Generation;
        Assert.Equal(new CollectionAddResult(0, 3), await pg.AddAsync([new("a", "1"), new("b", "2"), new("c", "3")], generator));
        Assert.Equal(generation, pg.Generation); // nothing written

        var skip = new CollectionAddOptions { OnConflict = ConflictPolicy.Skip };
        Assert.Equal(new CollectionAddResult(1, 1), await pg.AddAsync([new("a changed", "1"), new("d", "4")], generator, skip));
        Assert.Equal("a", pg.Search(HashEmbeddingGenerator.Vector("a", 16), 1, CollectionIndexMode.Exact)[0].Text);

        var error = new CollectionAddOptions { OnConflict = ConflictPolicy.Error };
        var refused = await Assert.ThrowsAsync<QianruException>(() => pg.AddAsync([new("e", "5"), new("a changed", "1")], generator, error));
        Assert.Contains("'1'", refused.Message);
        Assert.Equal(4, pg.Count); // refused before anything was embedded: e is not added either

        Assert.Equal(new CollectionAddResult(0, 0, 1), await pg.AddAsync([new("a changed", "1", "{\"v\": 2}")], generator));
        var hit = pg.Search(HashEmbeddingGenerator.Vector("a changed", 16), 1, CollectionIndexMode.Exact)[0];
        Assert.Equal(("1", "a changed"), (hit.Id, hit.Text));
        Assert.Equal(1f, hit.Score, 5); // the vector was replaced too
        Assert.Equal(4, pg.Count);
        Assert.True(pg.Remove("2"));
        Assert.False(pg.Remove("2"));
        Assert.Equal(3, pg.Count);
    }

    [Fact]
    public async Task Concurrent_writers_with_overlapping_ids_store_every_id_once()
    {
        var uri = server.Uri(PgliteServer.NewCollection("race"));
        using (PostgresCollection.Create(uri, new CollectionInfo("test-hash", 16, Normalized: false)))
        {
        }

        var items = Enumerable.Range(0, 300).Select(i => new CollectionItem($"shared text {i}")).ToArray();
        var tasks = Enumerable.Range(0, 3).Select(w => Task.Run(async () =>
        {
            using var writer = PostgresCollection.Open(uri);
            var mine = items.Skip(w * 50).Take(200).ToArray(); // overlapping windows
            return await writer.AddAsync(mine, new HashEmbeddingGenerator(), batchSize: 7);
        })).ToArray();
        var results = await Task.WhenAll(tasks);
        using var check = PostgresCollection.Open(uri);
        Assert.Equal(300, check.Count);
        Assert.Equal(300, results.Sum(r => r.Added));
        var ids = check.Search(new float[16].Select((_, i) => (float)i).ToArray(), 10_000, CollectionIndexMode.Exact).Select(h => h.Id).ToList();
        Assert.Equal(300, ids.Count);
        Assert.Equal(items.Select(i => VectorCollection.IdForText(i.Text)).Order(), ids.Order());
    }

    [Fact]
    public async Task Another_model_is_refused_by_fingerprint_and_a_legacy_name_match_records_it()
    {
        using var pg = PostgresCollection.Create(server.Uri(PgliteServer.NewCollection("model")), new CollectionInfo("minilm", 16, Normalized: false) { Fingerprint = "sha256:aaaa1111aaaa1111" });
        var impostor = new HashEmbeddingGenerator("minilm", fingerprint: "sha256:bbbb2222bbbb2222");
        var e = await Assert.ThrowsAsync<QianruException>(() => pg.AddAsync([new("x")], impostor));
        Assert.Contains("other weights or another tokenizer", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(new CollectionAddResult(1, 0), await pg.AddAsync([new("x")], new HashEmbeddingGenerator("renamed-folder", fingerprint: "sha256:aaaa1111aaaa1111")));

        using var legacy = PostgresCollection.Create(server.Uri(PgliteServer.NewCollection("legacy")), new CollectionInfo("minilm", 16, Normalized: false));
        await legacy.AddAsync([new("x")], new HashEmbeddingGenerator("minilm", fingerprint: "sha256:cccc"));
        Assert.Equal("sha256:cccc", legacy.Info.Fingerprint);
        await Assert.ThrowsAsync<QianruException>(() => legacy.AddAsync([new("y")], new HashEmbeddingGenerator("minilm", fingerprint: "sha256:dddd")));
    }

    [Fact]
    public void Wrong_password_unreachable_server_and_bad_uris_are_one_line_without_the_password()
    {
        var name = PgliteServer.NewCollection("auth");
        using (PostgresCollection.Create(server.Uri(name), new CollectionInfo("m", 4, false)))
        {
        }

        const string Wrong = "Wrong-Pass-9z";
        var denied = Assert.Throws<QianruException>(() => PostgresCollection.Open(server.Uri(name, Wrong)));
        Assert.Contains("password authentication failed for user \"postgres\"", denied.Message);
        var closed = FreePort();
        var unreachable = Assert.Throws<QianruException>(() => PostgresCollection.Open($"postgres://postgres:{Wrong}@127.0.0.1:{closed}/postgres?collection={name}&connect_timeout=5"));
        Assert.Contains($"cannot connect to PostgreSQL at 127.0.0.1:{closed}", unreachable.Message);
        var missing = Assert.Throws<QianruException>(() => PostgresCollection.Open(server.Uri("no_such_collection")));
        Assert.Contains("collection not found", missing.Message);
        var badName = Assert.Throws<QianruException>(() => PostgresCollection.Open($"postgres://u:{Wrong}@h/db?collection=Bad-Name"));
        var badParameter = Assert.Throws<QianruException>(() => PostgresCollection.Open($"postgres://u:{Wrong}@h/db?collection=ok&password={Wrong}"));
        foreach (var message in new[] { denied.Message, unreachable.Message, missing.Message, badName.Message, badParameter.Message })
        {
            Assert.DoesNotContain(Wrong, message);
            Assert.DoesNotContain(PgliteServer.Password, message);
            Assert.DoesNotContain('\n', message);
        }
    }

    [Fact]
    public void Password_from_PGPASSWORD()
    {
        var name = PgliteServer.NewCollection("env");
        var old = Environment.GetEnvironmentVariable("PGPASSWORD");
        try
        {
            Environment.SetEnvironmentVariable("PGPASSWORD", PgliteServer.Password);
            using var created = PostgresCollection.Create(server.UriWithoutPassword(name), new CollectionInfo("m", 4, false));
            Assert.DoesNotContain(PgliteServer.Password, created.Location);
            Environment.SetEnvironmentVariable("PGPASSWORD", "not-it");
            Assert.Contains("password authentication failed", Assert.Throws<QianruException>(() => PostgresCollection.Open(server.UriWithoutPassword(name))).Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable("PGPASSWORD", old);
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
