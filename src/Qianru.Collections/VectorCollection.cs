using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using Qianru.Search;
using Qianru.Similarity;

namespace Qianru.Collections;

/// <summary>
/// A persistent collection of texts and their vectors in one SQLite file (id, text, metadata JSON, vector), searched
/// exactly or through an HNSW index kept as a rebuildable cache file beside the database.
/// </summary>
/// <remarks>
/// <para>The collection records its model id, dimensions and normalization once, at <see cref="Create"/>; a vector of
/// another length, or texts embedded by a generator of another model, are refused with a <see cref="QianruException"/>.</para>
/// <para>Adding is transactional per batch: each batch is embedded, then committed in one transaction (SQLite WAL,
/// synchronous=FULL), so a crash (even kill -9) loses no committed row, and re-running the same add skips the
/// ids already stored and resumes. Ids are stable: given, or derived from the text (<see cref="IdForText"/>).</para>
/// <para>Every committed change bumps a generation counter. The HNSW cache (<see cref="IndexPath"/>, with a
/// <c>.json</c> sidecar recording the generation it was built at) is stale when the generations differ and is
/// rebuilt on demand by <see cref="Search(float[], int, CollectionIndexMode)"/> or <see cref="RebuildIndex"/>.</para>
/// <para>Not thread-safe: use one instance per thread (several processes may read one file).</para>
/// </remarks>
public sealed class VectorCollection : IDisposable
{
    /// <summary>Collections of at least this many vectors use the HNSW index in <see cref="CollectionIndexMode.Auto"/>.</summary>
    public const int AutoIndexThreshold = 10_000;

    private const string Format = "qianru-collection/1";
    private readonly SqliteConnection _connection;
    private (long Generation, long[] RowIds, float[][] Vectors)? _cache;
    private (long Generation, HnswIndex Index)? _hnsw;

    private VectorCollection(string path, SqliteConnection connection, CollectionInfo info)
    {
        Path = path;
        _connection = connection;
        Info = info;
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>The model id, dimensions and normalization recorded at creation.</summary>
    public CollectionInfo Info { get; }

    /// <summary>The HNSW index cache file beside the database (<c>DB.hnsw</c>).</summary>
    public string IndexPath => Path + ".hnsw";

    /// <summary>The number of stored items.</summary>
    public long Count => Scalar<long>("SELECT COUNT(*) FROM items");

    /// <summary>A counter bumped by every committed change.</summary>
    public long Generation => long.Parse(Scalar<string>("SELECT value FROM meta WHERE key = 'generation'"), CultureInfo.InvariantCulture);

    /// <summary>True when the HNSW cache file is missing or was built before the last committed change.</summary>
    public bool IsIndexStale => ReadIndexGeneration() != Generation;

    /// <summary>Creates a new collection file.</summary>
    /// <exception cref="QianruException">The file already exists, or <paramref name="info"/> is invalid.</exception>
    public static VectorCollection Create(string path, CollectionInfo info)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(info);
        if (string.IsNullOrWhiteSpace(info.ModelId) || info.Dimensions < 1)
        {
            throw new QianruException($"a collection needs a model id and at least one dimension (got '{info.ModelId}', {info.Dimensions})");
        }

        path = System.IO.Path.GetFullPath(path);
        if (File.Exists(path))
        {
            throw new QianruException($"{path} already exists; open it, or choose another file");
        }

        var connection = Connect(path, SqliteOpenMode.ReadWriteCreate);
        try
        {
            using var transaction = connection.BeginTransaction();
            Execute(connection, transaction, """
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE items (
                    rowid INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    text TEXT,
                    metadata TEXT,
                    vector BLOB NOT NULL);
                """);
            foreach (var (key, value) in new[]
            {
                ("format", Format),
                ("model_id", info.ModelId),
                ("dimensions", info.Dimensions.ToString(CultureInfo.InvariantCulture)),
                ("normalized", info.Normalized ? "true" : "false"),
                ("generation", "0"),
                ("model_source", info.ModelSource),
            })
            {
                if (value is null)
                {
                    continue;
                }

                Execute(connection, transaction, "INSERT INTO meta (key, value) VALUES ($k, $v)", ("$k", key), ("$v", value));
            }

            transaction.Commit();
            return new VectorCollection(path, connection, info);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Opens an existing collection file.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">The file is not a Qianru collection.</exception>
    public static VectorCollection Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        path = System.IO.Path.GetFullPath(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"collection not found: {path} (create it with 'qianru index create')", path);
        }

        var connection = Connect(path, SqliteOpenMode.ReadWrite);
        try
        {
            var meta = new Dictionary<string, string>();
            try
            {
                using var command = connection.CreateCommand();
                command.CommandText = "SELECT key, value FROM meta";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    meta[reader.GetString(0)] = reader.GetString(1);
                }
            }
            catch (SqliteException e)
            {
                throw new InvalidDataException($"{path} is not a Qianru collection ({e.Message})", e);
            }

            if (!meta.TryGetValue("format", out var format) || format != Format)
            {
                throw new InvalidDataException($"{path} is not a Qianru collection (format '{format}'; expected '{Format}')");
            }

            var info = new CollectionInfo(meta["model_id"], int.Parse(meta["dimensions"], CultureInfo.InvariantCulture), meta["normalized"] == "true")
            {
                ModelSource = meta.GetValueOrDefault("model_source"),
            };
            return new VectorCollection(path, connection, info);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>The id given to a text added without one: the first 16 hex digits of the SHA-256 of its UTF-8 bytes.</summary>
    public static string IdForText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }

    /// <summary>
    /// Embeds and adds texts in batches of <paramref name="batchSize"/>, one transaction per batch. Items whose id
    /// is already stored (or repeats an earlier item) are skipped without being embedded.
    /// </summary>
    /// <param name="items">The texts, with optional ids and metadata.</param>
    /// <param name="generator">The embedding generator; its model must be the collection's.</param>
    /// <param name="batchSize">Texts per batch (and per transaction). Default 32.</param>
    /// <param name="progress">Receives the number of items processed (added or skipped) after each batch.</param>
    /// <param name="cancellationToken">Stops between batches; committed batches stay.</param>
    /// <exception cref="QianruException">The generator's model or a vector's dimensions differ from the collection's.</exception>
    public async Task<CollectionAddResult> AddAsync(
        IReadOnlyList<CollectionItem> items,
        IEmbeddingGenerator<string, Embedding<float>> generator,
        int batchSize = 32,
        IProgress<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var generatorModel = generator.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId;
        CheckModel(generatorModel);
        var (prepared, skipped) = Prepare(items);
        var added = 0;
        var done = items.Count - prepared.Count;
        progress?.Report(done);
        for (var start = 0; start < prepared.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = prepared.GetRange(start, Math.Min(batchSize, prepared.Count - start));
            var embeddings = await generator.GenerateAsync(batch.Select(i => i.Text), cancellationToken: cancellationToken).ConfigureAwait(false);
            if (embeddings.Count != batch.Count)
            {
                throw new QianruException($"the generator returned {embeddings.Count} embeddings for {batch.Count} texts");
            }

            foreach (var embedding in embeddings)
            {
                CheckModel(embedding.ModelId);
            }

            Insert(batch, [.. embeddings.Select(e => e.Vector.ToArray())]);
            added += batch.Count;
            done += batch.Count;
            progress?.Report(done);
        }

        return new CollectionAddResult(added, skipped);
    }

    /// <summary>Adds items with vectors embedded elsewhere by <paramref name="modelId"/>, in one transaction.</summary>
    /// <exception cref="QianruException">Another model, or a vector of the wrong dimension.</exception>
    public CollectionAddResult AddVectors(IReadOnlyList<CollectionItem> items, IReadOnlyList<float[]> vectors, string modelId)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(vectors);
        if (items.Count != vectors.Count)
        {
            throw new ArgumentException($"{items.Count} items but {vectors.Count} vectors", nameof(vectors));
        }

        CheckModel(modelId ?? throw new ArgumentNullException(nameof(modelId)));
        var (prepared, skipped) = Prepare(items);
        var byItem = new Dictionary<CollectionItem, float[]>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < items.Count; i++)
        {
            byItem[items[i]] = vectors[i];
        }

        Insert(prepared, [.. prepared.Select(p => byItem[p.Source])]);
        return new CollectionAddResult(prepared.Count, skipped);
    }

    /// <summary>Removes the item with <paramref name="id"/>; false when there is none.</summary>
    public bool Remove(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        using var transaction = _connection.BeginTransaction();
        var removed = Execute(_connection, transaction, "DELETE FROM items WHERE id = $id", ("$id", id)) > 0;
        if (removed)
        {
            BumpGeneration(transaction);
        }

        transaction.Commit();
        return removed;
    }

    /// <summary>
    /// The <paramref name="k"/> items most similar (cosine) to <paramref name="queryVector"/>, best first, with
    /// their text and metadata.
    /// </summary>
    /// <exception cref="QianruException">The query has the wrong dimension.</exception>
    public IReadOnlyList<CollectionHit> Search(float[] queryVector, int k = 5, CollectionIndexMode mode = CollectionIndexMode.Auto)
    {
        ArgumentNullException.ThrowIfNull(queryVector);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (queryVector.Length != Info.Dimensions)
        {
            throw new QianruException($"the query vector has {queryVector.Length} dimensions but collection {Path} holds {Info.Dimensions}-dimensional vectors of model '{Info.ModelId}'");
        }

        var count = Count;
        if (count == 0)
        {
            return [];
        }

        var useIndex = mode == CollectionIndexMode.Hnsw || (mode == CollectionIndexMode.Auto && count >= AutoIndexThreshold);
        SearchHit[] hits;
        if (useIndex)
        {
            var index = LoadIndex();
            hits = index.Search([queryVector], k)[0];
        }
        else
        {
            var (_, rowIds, vectors) = LoadVectors();
            hits = [.. SemanticSearch.Search([queryVector], vectors, new SemanticSearchOptions { TopK = k })[0]
                .Select(h => new SearchHit((int)rowIds[h.Id], h.Score))];
        }

        var result = new List<CollectionHit>(hits.Length);
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT id, text, metadata, vector FROM items WHERE rowid = $r";
        var parameter = command.Parameters.Add("$r", SqliteType.Integer);
        foreach (var hit in hits)
        {
            parameter.Value = (long)hit.Id;
            using var reader = command.ExecuteReader();
            if (reader.Read())
            {
                // The index stores float16 vectors; report the exact cosine of the stored float32 vector.
                var score = useIndex ? VectorSimilarity.Cosine(queryVector, MemoryMarshal.Cast<byte, float>((byte[])reader.GetValue(3))) : hit.Score;
                result.Add(new CollectionHit(reader.GetString(0), score, reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
            }
        }

        return useIndex ? [.. result.OrderByDescending(h => h.Score)] : result;
    }

    /// <summary>
    /// Embeds <paramref name="query"/> (with the model's query prompt when the generator is a
    /// <see cref="SentenceEmbedder"/> whose model has one) and searches.
    /// </summary>
    public async Task<IReadOnlyList<CollectionHit>> SearchAsync(
        string query,
        IEmbeddingGenerator<string, Embedding<float>> generator,
        int k = 5,
        CollectionIndexMode mode = CollectionIndexMode.Auto,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(generator);
        CheckModel(generator.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId);
        float[] vector;
        if (generator.GetService<SentenceEmbedder>() is { } embedder)
        {
            vector = embedder.EmbedQuery(query);
        }
        else
        {
            var embedding = await generator.GenerateAsync(query, cancellationToken: cancellationToken).ConfigureAwait(false);
            CheckModel(embedding.ModelId);
            vector = embedding.Vector.ToArray();
        }

        return Search(vector, k, mode);
    }

    /// <summary>Builds the HNSW cache file from the stored vectors now, replacing a stale one.</summary>
    /// <returns>The number of vectors indexed.</returns>
    public int RebuildIndex()
    {
        _hnsw?.Index.Dispose();
        _hnsw = null;
        var (generation, rowIds, vectors) = LoadVectors();
        if (vectors.Length == 0)
        {
            throw new QianruException($"collection {Path} is empty: add texts before building its index");
        }

        var index = HnswIndex.Create(Info.Dimensions, new HnswOptions { Metric = SimilarityMetric.Cosine, M = 16, EfConstruction = 128, EfSearch = 128 });
        try
        {
            if (rowIds[^1] > int.MaxValue)
            {
                throw new QianruException($"collection {Path} has row ids beyond {int.MaxValue}; the HNSW index cannot key them");
            }

            index.Add([.. rowIds.Select(r => (int)r)], vectors);
            var temp = IndexPath + ".tmp";
            index.Save(temp);
            File.Move(temp, IndexPath, overwrite: true);
            File.WriteAllText(IndexPath + ".json", JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["generation"] = generation,
                ["count"] = vectors.Length,
                ["model_id"] = Info.ModelId,
                ["dimensions"] = Info.Dimensions,
            }));
            _hnsw = (generation, index);
            return vectors.Length;
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    /// <summary>Closes the database and frees the index.</summary>
    public void Dispose()
    {
        _hnsw?.Index.Dispose();
        _connection.Dispose();
    }

    private HnswIndex LoadIndex()
    {
        var generation = Generation;
        if (_hnsw is { } loaded && loaded.Generation == generation)
        {
            return loaded.Index;
        }

        if (ReadIndexGeneration() == generation)
        {
            _hnsw?.Index.Dispose();
            var index = HnswIndex.Load(IndexPath, SimilarityMetric.Cosine, efSearch: 128);
            _hnsw = (generation, index);
            return index;
        }

        RebuildIndex();
        return _hnsw!.Value.Index;
    }

    private long ReadIndexGeneration()
    {
        try
        {
            if (!File.Exists(IndexPath) || !File.Exists(IndexPath + ".json"))
            {
                return -1;
            }

            using var doc = JsonDocument.Parse(File.ReadAllText(IndexPath + ".json"));
            return doc.RootElement.GetProperty("generation").GetInt64();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or IOException or InvalidOperationException)
        {
            return -1;
        }
    }

    private (long Generation, long[] RowIds, float[][] Vectors) LoadVectors()
    {
        var generation = Generation;
        if (_cache is { } cached && cached.Generation == generation)
        {
            return cached;
        }

        var rowIds = new List<long>();
        var vectors = new List<float[]>();
        using (var command = _connection.CreateCommand())
        {
            command.CommandText = "SELECT rowid, vector FROM items ORDER BY rowid";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                rowIds.Add(reader.GetInt64(0));
                var bytes = (byte[])reader.GetValue(1);
                vectors.Add(MemoryMarshal.Cast<byte, float>(bytes).ToArray());
            }
        }

        _cache = (generation, [.. rowIds], [.. vectors]);
        return _cache.Value;
    }

    private void CheckModel(string? modelId)
    {
        if (modelId is not null && !string.Equals(modelId, Info.ModelId, StringComparison.Ordinal))
        {
            throw new QianruException($"collection {Path} holds vectors of model '{Info.ModelId}'; vectors of model '{modelId}' are refused");
        }
    }

    private (List<Prepared> Items, int Skipped) Prepare(IReadOnlyList<CollectionItem> items)
    {
        var result = new List<Prepared>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var skipped = 0;
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM items WHERE id = $id";
        var parameter = command.Parameters.Add("$id", SqliteType.Text);
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i] ?? throw new ArgumentException($"item {i} is null", nameof(items));
            if (item.Text is null)
            {
                throw new ArgumentException($"item {i} has no text", nameof(items));
            }

            var id = item.Id ?? IdForText(item.Text);
            var metadata = item.Metadata is null ? null : CanonicalMetadata(item.Metadata, i, id);
            parameter.Value = id;
            if (!seen.Add(id) || command.ExecuteScalar() is not null)
            {
                skipped++;
                continue;
            }

            result.Add(new Prepared(item, id, item.Text, metadata));
        }

        return (result, skipped);
    }

    private static string CanonicalMetadata(string json, int index, string id)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new QianruException($"item {index} (id '{id}'): metadata must be a JSON object, not {doc.RootElement.ValueKind}");
            }

            return doc.RootElement.GetRawText();
        }
        catch (JsonException e)
        {
            throw new QianruException($"item {index} (id '{id}'): metadata is not valid JSON ({e.Message})", e);
        }
    }

    private void Insert(List<Prepared> batch, float[][] vectors)
    {
        for (var i = 0; i < vectors.Length; i++)
        {
            if (vectors[i].Length != Info.Dimensions)
            {
                throw new QianruException($"item '{batch[i].Id}': the vector has {vectors[i].Length} dimensions but collection {Path} holds {Info.Dimensions}-dimensional vectors of model '{Info.ModelId}'");
            }

            if (!float.IsFinite(TensorPrimitives.Sum(vectors[i])))
            {
                throw new QianruException($"item '{batch[i].Id}': the vector has NaN or infinite values");
            }
        }

        if (batch.Count == 0)
        {
            return;
        }

        using var transaction = _connection.BeginTransaction();
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO items (id, text, metadata, vector) VALUES ($id, $text, $metadata, $vector)";
        var id = command.Parameters.Add("$id", SqliteType.Text);
        var text = command.Parameters.Add("$text", SqliteType.Text);
        var metadata = command.Parameters.Add("$metadata", SqliteType.Text);
        var vector = command.Parameters.Add("$vector", SqliteType.Blob);
        for (var i = 0; i < batch.Count; i++)
        {
            var v = vectors[i];
            if (Info.Normalized)
            {
                var norm = TensorPrimitives.Norm(v);
                if (norm > 0)
                {
                    v = (float[])v.Clone();
                    TensorPrimitives.Divide(v, norm, v);
                }
            }

            id.Value = batch[i].Id;
            text.Value = batch[i].Text;
            metadata.Value = (object?)batch[i].Metadata ?? DBNull.Value;
            vector.Value = MemoryMarshal.AsBytes(v.AsSpan()).ToArray();
            command.ExecuteNonQuery();
        }

        BumpGeneration(transaction);
        transaction.Commit();
    }

    private void BumpGeneration(SqliteTransaction transaction) =>
        Execute(_connection, transaction, "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'generation'");

    private T Scalar<T>(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        return (T)Convert.ChangeType(command.ExecuteScalar()!, typeof(T), CultureInfo.InvariantCulture);
    }

    private static SqliteConnection Connect(string path, SqliteOpenMode mode)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false, DefaultTimeout = 30 }.ToString());
        try
        {
            connection.Open();
            // WAL is recorded in the file at creation; setting it on every open would take a lock that stalls a writer.
            Execute(connection, null, "PRAGMA busy_timeout=10000; PRAGMA synchronous=FULL;");
            if (mode == SqliteOpenMode.ReadWriteCreate)
            {
                Execute(connection, null, "PRAGMA journal_mode=WAL;");
            }

            return connection;
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new InvalidDataException($"{path}: cannot open as a SQLite database ({e.Message})", e);
        }
    }

    private static int Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command.ExecuteNonQuery();
    }

    private sealed record Prepared(CollectionItem Source, string Id, string Text, string? Metadata);
}
