using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Qianru.Similarity;

namespace Qianru.Collections;

/// <summary>
/// A collection in one SQLite file: a <c>meta</c> table (format, model, fingerprint, metric, generation, count) and an
/// <c>items</c> table (rowid, id, text, metadata JSON, float32 vector blob), searched in-process through
/// <see cref="CollectionIndexCache"/>.
/// </summary>
/// <remarks>
/// <para>Writes run in <c>BEGIN IMMEDIATE</c> transactions (WAL, synchronous=FULL, a 10 s busy timeout): each id is
/// looked up and inserted, replaced or skipped inside the transaction, so concurrent writers queue instead of failing
/// on a duplicate id. Triggers keep the stored count with every insert and delete, whoever writes; files made before
/// them get the count and triggers on their first write.</para>
/// <para>A file or folder that cannot be written is opened read-only (immutable when even the WAL's shared-memory file
/// cannot be created); writes to it fail with one line naming the file.</para>
/// </remarks>
internal sealed class SqliteCollectionStore : ICollectionStore
{
    public const string Format = "qianru-collection/1";

    private const int SqliteReadOnly = 8;
    private const int SqliteIoError = 10;
    private const int SqliteCantOpen = 14;
    private const int SqliteAuth = 23;
    private const int SqliteNotADatabase = 26;

    private readonly SqliteConnection _connection;
    private readonly CollectionIndexCache _indexes;
    private bool _schemaCurrent;
    private (long Generation, long Count)? _counted;

    private SqliteCollectionStore(string path, SqliteConnection connection, CollectionInfo info, Guid collectionId, bool readOnly, bool schemaCurrent)
    {
        Location = path;
        _connection = connection;
        Info = info;
        IsReadOnly = readOnly;
        _schemaCurrent = schemaCurrent;
        _indexes = new CollectionIndexCache(path + ".hnsw", collectionId, info.Metric, info.Dimensions, LoadVectors);
    }

    public string Location { get; }

    public CollectionInfo Info { get; private set; }

    public bool IsReadOnly { get; }

    public static SqliteCollectionStore Create(string path, CollectionInfo info)
    {
        if (info.HalfPrecision)
        {
            throw new QianruException($"{path}: SQLite collections store float32 vectors; half precision (halfvec) is for PostgreSQL collections");
        }

        if (File.Exists(path))
        {
            throw new QianruException($"{path} already exists; open it, or choose another file");
        }

        SqliteConnection connection;
        try
        {
            connection = Connect(path, SqliteOpenMode.ReadWriteCreate, immutable: false);
        }
        catch (SqliteException e) when (IsAccessError(e))
        {
            throw new QianruException($"cannot create {path}: {e.Message.TrimEnd('.')} (is the folder writable?)", e);
        }

        var collectionId = Guid.NewGuid();
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
                ("fingerprint", info.Fingerprint),
                ("metric", VectorSimilarity.NameOf(info.Metric)),
                ("collection_id", collectionId.ToString("D")),
            })
            {
                if (value is not null)
                {
                    Execute(connection, transaction, "INSERT INTO meta (key, value) VALUES ($k, $v)", ("$k", key), ("$v", value));
                }
            }

            UpgradeSchema(connection, transaction);
            transaction.Commit();
            return new SqliteCollectionStore(path, connection, info, collectionId, readOnly: false, schemaCurrent: true);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public static SqliteCollectionStore Open(string path, bool readOnly)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"collection not found: {path} (create it with 'qianru index create')", path);
        }

        SqliteConnection? connection = null;
        Dictionary<string, string>? meta = null;
        if (!readOnly)
        {
            try
            {
                connection = Connect(path, SqliteOpenMode.ReadWrite, immutable: false);
                meta = ReadMeta(connection, path);
                readOnly = SQLitePCL.raw.sqlite3_db_readonly(connection.Handle, "main") == 1;
            }
            catch (SqliteException e) when (IsAccessError(e))
            {
                connection?.Dispose();
                connection = null;
                readOnly = true;
            }
            catch
            {
                connection?.Dispose();
                throw;
            }
        }

        if (connection is null)
        {
            try
            {
                connection = Connect(path, SqliteOpenMode.ReadOnly, immutable: false);
                meta = ReadMeta(connection, path);
            }
            catch (SqliteException e) when (IsAccessError(e))
            {
                // A WAL database in a folder where the shared-memory file cannot be created: read it as immutable.
                connection?.Dispose();
                connection = Connect(path, SqliteOpenMode.ReadOnly, immutable: true);
                meta = ReadMeta(connection, path);
            }
            catch
            {
                connection?.Dispose();
                throw;
            }
        }

        try
        {
            var info = ParseInfo(meta!, path);
            var collectionId = meta!.TryGetValue("collection_id", out var id) && Guid.TryParse(id, out var parsed) ? parsed : Guid.Empty;
            return new SqliteCollectionStore(path, connection, info, collectionId, readOnly, schemaCurrent: meta.ContainsKey("count") && collectionId != Guid.Empty);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public (long Count, long Generation) ReadState()
    {
        long generation = 0;
        long? count = null;
        using (var command = _connection.CreateCommand())
        {
            command.CommandText = "SELECT key, value FROM meta WHERE key IN ('generation', 'count')";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var value = long.Parse(reader.GetString(1), CultureInfo.InvariantCulture);
                if (reader.GetString(0) == "generation")
                {
                    generation = value;
                }
                else
                {
                    count = value;
                }
            }
        }

        if (count is null)
        {
            // A file made before the stored count, opened read-only: counted once per generation.
            if (_counted is not { } counted || counted.Generation != generation)
            {
                using var command = _connection.CreateCommand();
                command.CommandText = "SELECT COUNT(*) FROM items";
                _counted = counted = (generation, (long)command.ExecuteScalar()!);
            }

            count = counted.Count;
        }

        return (count.Value, generation);
    }

    public void EnsureWritable()
    {
        if (IsReadOnly)
        {
            throw ReadOnlyError(null);
        }

        Writing(() =>
        {
            using var transaction = _connection.BeginTransaction();
            UpgradeSchemaOnce(transaction);
            transaction.Commit();
        });
    }

    public void RecordFingerprint(string fingerprint)
    {
        Writing(() =>
        {
            using var transaction = _connection.BeginTransaction();
            Execute(_connection, transaction, "INSERT INTO meta (key, value) VALUES ('fingerprint', $v) ON CONFLICT (key) DO UPDATE SET value = excluded.value", ("$v", fingerprint));
            transaction.Commit();
        });
        Info = Info with { Fingerprint = fingerprint };
    }

    public StoredState[] Classify(IReadOnlyList<StoredItem> items)
    {
        var stored = new Dictionary<string, (string? Text, string? Metadata)>(StringComparer.Ordinal);
        using (var command = _connection.CreateCommand())
        {
            command.CommandText = "SELECT id, text, metadata FROM items WHERE id IN (SELECT value FROM json_each($ids))";
            command.Parameters.AddWithValue("$ids", JsonSerializer.Serialize(items.Select(i => i.Id)));
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                stored[reader.GetString(0)] = (reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2));
            }
        }

        return [.. items.Select(i => !stored.TryGetValue(i.Id, out var s) ? StoredState.Absent
            : s.Text == i.Text && CollectionMetadata.SameJson(s.Metadata, i.Metadata) ? StoredState.Same
            : StoredState.Different)];
    }

    public CollectionAddResult Write(IReadOnlyList<StoredItem> items, ConflictPolicy policy)
    {
        if (IsReadOnly)
        {
            throw ReadOnlyError(null);
        }

        int added = 0, replaced = 0, skipped = 0;
        Writing(() =>
        {
            added = replaced = skipped = 0;
            using var transaction = _connection.BeginTransaction();
            UpgradeSchemaOnce(transaction);
            using var find = Prepare("SELECT rowid, text, metadata FROM items WHERE id = $id");
            var findId = find.Parameters.Add("$id", SqliteType.Text);
            using var insert = Prepare("INSERT INTO items (id, text, metadata, vector) VALUES ($id, $text, $metadata, $vector)");
            var id = insert.Parameters.Add("$id", SqliteType.Text);
            var text = insert.Parameters.Add("$text", SqliteType.Text);
            var metadata = insert.Parameters.Add("$metadata", SqliteType.Text);
            var vector = insert.Parameters.Add("$vector", SqliteType.Blob);
            using var update = Prepare("UPDATE items SET text = $text, metadata = $metadata, vector = $vector WHERE rowid = $rowid");
            var updateText = update.Parameters.Add("$text", SqliteType.Text);
            var updateMetadata = update.Parameters.Add("$metadata", SqliteType.Text);
            var updateVector = update.Parameters.Add("$vector", SqliteType.Blob);
            var updateRow = update.Parameters.Add("$rowid", SqliteType.Integer);
            foreach (var item in items)
            {
                findId.Value = item.Id;
                long? row = null;
                var same = false;
                using (var reader = find.ExecuteReader())
                {
                    if (reader.Read())
                    {
                        row = reader.GetInt64(0);
                        same = (reader.IsDBNull(1) ? null : reader.GetString(1)) == item.Text
                            && CollectionMetadata.SameJson(reader.IsDBNull(2) ? null : reader.GetString(2), item.Metadata);
                    }
                }

                var blob = MemoryMarshal.AsBytes(item.Vector.AsSpan()).ToArray();
                if (row is null)
                {
                    id.Value = item.Id;
                    text.Value = item.Text;
                    metadata.Value = (object?)item.Metadata ?? DBNull.Value;
                    vector.Value = blob;
                    insert.ExecuteNonQuery();
                    added++;
                }
                else if (same || policy == ConflictPolicy.Skip)
                {
                    skipped++;
                }
                else if (policy == ConflictPolicy.Replace)
                {
                    updateText.Value = item.Text;
                    updateMetadata.Value = (object?)item.Metadata ?? DBNull.Value;
                    updateVector.Value = blob;
                    updateRow.Value = row.Value;
                    update.ExecuteNonQuery();
                    replaced++;
                }
                else
                {
                    throw CollectionErrors.Conflict(item.Id, Location);
                }
            }

            if (added + replaced > 0)
            {
                BumpGeneration(transaction);
            }

            transaction.Commit();

            // A statement of this transaction, prepared once and run for each item.
            SqliteCommand Prepare(string sql)
            {
                var command = _connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = sql;
                return command;
            }
        });
        return new CollectionAddResult(added, skipped, replaced);
    }

    public bool Remove(string id)
    {
        if (IsReadOnly)
        {
            throw ReadOnlyError(null);
        }

        var removed = false;
        Writing(() =>
        {
            using var transaction = _connection.BeginTransaction();
            UpgradeSchemaOnce(transaction);
            removed = Execute(_connection, transaction, "DELETE FROM items WHERE id = $id", ("$id", id)) > 0;
            if (removed)
            {
                BumpGeneration(transaction);
            }

            transaction.Commit();
        });
        return removed;
    }

    public IReadOnlyList<CollectionHit> Search(float[] query, int k, CollectionSearchOptions options)
    {
        var (count, generation) = ReadState();
        if (count == 0)
        {
            return [];
        }

        k = (int)Math.Min(k, count);
        var useIndex = options.Mode == CollectionIndexMode.Hnsw || (options.Mode == CollectionIndexMode.Auto && count >= VectorCollection.AutoIndexThreshold);
        if (!useIndex)
        {
            var exact = _indexes.SearchExact(query, k, generation);
            var rows = Fetch(exact.Select(h => h.Key), withVectors: false);
            return [.. exact.Where(h => rows.ContainsKey(h.Key)).Select(h => rows[h.Key].Hit(h.Score))];
        }

        // The index stores float16 vectors: its candidates are rescored with the stored float32 vectors.
        var keys = _indexes.SearchHnsw(query, k, options.Ef ?? CollectionSearchOptions.DefaultEf, generation, count);
        var found = Fetch(keys, withVectors: true);
        var hits = keys.Where(found.ContainsKey).Select(key => found[key].Hit(VectorSimilarity.Compute(Info.Metric, query, found[key].Vector!)));
        return VectorSimilarity.HigherIsCloser(Info.Metric) ? [.. hits.OrderByDescending(h => h.Score)] : [.. hits.OrderBy(h => h.Score)];
    }

    public int RebuildIndex() => _indexes.Rebuild(Location);

    public CollectionIndexInfo GetIndexInfo()
    {
        var (count, generation) = ReadState();
        return new CollectionIndexInfo(_indexes.Status(generation, count), _indexes.Path);
    }

    public void Dispose()
    {
        _indexes.Dispose();
        _connection.Dispose();
    }

    private static CollectionInfo ParseInfo(Dictionary<string, string> meta, string path)
    {
        if (!meta.TryGetValue("format", out var format) || format != Format)
        {
            throw new InvalidDataException($"{path} is not a Qianru collection (format '{format}'; expected '{Format}')");
        }

        try
        {
            var metric = meta.TryGetValue("metric", out var name) ? VectorSimilarity.ParseMetric(name) : SimilarityMetric.Cosine;
            return new CollectionInfo(meta["model_id"], int.Parse(meta["dimensions"], CultureInfo.InvariantCulture), meta["normalized"] == "true")
            {
                ModelSource = meta.GetValueOrDefault("model_source"),
                Fingerprint = meta.GetValueOrDefault("fingerprint"),
                Metric = metric,
            };
        }
        catch (Exception e) when (e is KeyNotFoundException or FormatException or OverflowException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: the collection's meta table is damaged ({e.Message})", e);
        }
    }

    private static Dictionary<string, string> ReadMeta(SqliteConnection connection, string path)
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
        catch (SqliteException e) when (!IsAccessError(e))
        {
            throw new InvalidDataException($"{path} is not a Qianru collection ({e.Message})", e);
        }

        return meta;
    }

    /// <summary>Adds what files made by earlier versions lack: the stored count, the triggers that keep it, and an id for the index cache.</summary>
    private static void UpgradeSchema(SqliteConnection connection, SqliteTransaction transaction)
    {
        Execute(connection, transaction, """
            INSERT OR IGNORE INTO meta (key, value) VALUES ('count', CAST((SELECT COUNT(*) FROM items) AS TEXT));
            CREATE TRIGGER IF NOT EXISTS items_count_insert AFTER INSERT ON items
                BEGIN UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'count'; END;
            CREATE TRIGGER IF NOT EXISTS items_count_delete AFTER DELETE ON items
                BEGIN UPDATE meta SET value = CAST(CAST(value AS INTEGER) - 1 AS TEXT) WHERE key = 'count'; END;
            """);
        Execute(connection, transaction, "INSERT OR IGNORE INTO meta (key, value) VALUES ('collection_id', $id)", ("$id", Guid.NewGuid().ToString("D")));
    }

    private void UpgradeSchemaOnce(SqliteTransaction transaction)
    {
        if (!_schemaCurrent)
        {
            UpgradeSchema(_connection, transaction);
            _schemaCurrent = true;
        }
    }

    private void BumpGeneration(SqliteTransaction transaction) =>
        Execute(_connection, transaction, "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'generation'");

    /// <summary>Runs a write, turning "the file or folder cannot be written" into one line naming the file.</summary>
    private void Writing(Action write)
    {
        try
        {
            write();
        }
        catch (SqliteException e) when (IsAccessError(e))
        {
            _schemaCurrent = false;
            throw ReadOnlyError(e);
        }
    }

    private QianruException ReadOnlyError(SqliteException? cause) => cause is null
        ? new QianruException($"{Location}: the collection was opened read-only; it can be searched but not changed")
        : new QianruException($"{Location}: the collection cannot be written ({cause.Message.TrimEnd('.')}); the file or its folder is read-only: it can be searched but not changed", cause);

    private (long Generation, long[] Keys, VectorMatrix Vectors) LoadVectors()
    {
        // One read transaction: the generation and the vectors are of the same snapshot.
        using var transaction = _connection.BeginTransaction(deferred: true);
        long generation;
        using (var command = _connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT value FROM meta WHERE key = 'generation'";
            generation = long.Parse((string)command.ExecuteScalar()!, CultureInfo.InvariantCulture);
        }

        // The vectors go straight into one growing array, row after row: no array per vector.
        var keys = new List<long>();
        var vectors = new VectorMatrixBuilder(Info.Dimensions);
        using (var command = _connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = "SELECT rowid, vector FROM items ORDER BY rowid";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                keys.Add(reader.GetInt64(0));
                vectors.Add(ToVector((byte[])reader.GetValue(1), reader.GetInt64(0)));
            }
        }

        transaction.Commit();
        return (generation, [.. keys], vectors.ToMatrix());
    }

    private ReadOnlySpan<float> ToVector(byte[] blob, long row)
    {
        if (blob.Length != Info.Dimensions * sizeof(float))
        {
            throw new InvalidDataException($"{Location}: row {row} holds a vector of {blob.Length} bytes; the collection's vectors have {Info.Dimensions} float32 values ({Info.Dimensions * sizeof(float)} bytes)");
        }

        return MemoryMarshal.Cast<byte, float>(blob);
    }

    /// <summary>The rows of <paramref name="keys"/> in one query.</summary>
    private Dictionary<long, Row> Fetch(IEnumerable<long> keys, bool withVectors)
    {
        var rows = new Dictionary<long, Row>();
        using var command = _connection.CreateCommand();
        command.CommandText = $"SELECT rowid, id, text, metadata{(withVectors ? ", vector" : "")} FROM items WHERE rowid IN (SELECT value FROM json_each($keys))";
        command.Parameters.AddWithValue("$keys", JsonSerializer.Serialize(keys));
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var key = reader.GetInt64(0);
            rows[key] = new Row(
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                withVectors ? ToVector((byte[])reader.GetValue(4), key).ToArray() : null);
        }

        return rows;
    }

    private static bool IsAccessError(SqliteException e) => e.SqliteErrorCode is SqliteReadOnly or SqliteCantOpen or SqliteIoError or SqliteAuth;

    private static SqliteConnection Connect(string path, SqliteOpenMode mode, bool immutable)
    {
        var source = immutable ? new Uri(path).AbsoluteUri + "?immutable=1" : path;
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = source, Mode = mode, Pooling = false, DefaultTimeout = 30 }.ToString());
        try
        {
            connection.Open();
            // WAL is recorded in the file at creation; setting it on every open would take a lock that stalls a writer.
            Execute(connection, null, "PRAGMA busy_timeout=10000;");
            if (mode != SqliteOpenMode.ReadOnly)
            {
                Execute(connection, null, "PRAGMA synchronous=FULL;");
            }

            if (mode == SqliteOpenMode.ReadWriteCreate)
            {
                Execute(connection, null, "PRAGMA journal_mode=WAL;");
            }

            return connection;
        }
        catch (SqliteException e) when (e.SqliteErrorCode == SqliteNotADatabase)
        {
            connection.Dispose();
            throw new InvalidDataException($"{path}: cannot open as a SQLite database ({e.Message})", e);
        }
        catch
        {
            connection.Dispose();
            throw;
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

    private sealed record Row(string Id, string? Text, string? Metadata, float[]? Vector)
    {
        public CollectionHit Hit(float score) => new(Id, score, Text, Metadata);
    }
}
