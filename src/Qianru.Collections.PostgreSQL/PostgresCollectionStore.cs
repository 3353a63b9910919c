using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using Pgvector;
using Qianru.Similarity;

namespace Qianru.Collections.PostgreSQL;

/// <summary>
/// A collection in PostgreSQL with pgvector: a row in <c>qianru_collections</c> (model, fingerprint, dimensions,
/// metric, vector type, generation, count) and a table named after the collection (key, id, text, metadata jsonb,
/// embedding vector(d) or halfvec(d)), searched by the database, exactly or through pgvector's HNSW index.
/// </summary>
/// <remarks>
/// <para>Each batch is one transaction: binary COPY into a temporary table, then the collection's registry row is
/// locked (writers of one collection queue there) and the batch is merged with <c>INSERT … ON CONFLICT (id)</c> per
/// the conflict policy, the count and generation updated, and committed. A process killed mid-batch leaves nothing of
/// that batch.</para>
/// <para>Searches run in a transaction that sets <c>hnsw.ef_search</c> (HNSW) or turns index scans off (exact) with
/// <c>SET LOCAL</c>, so pooled connections keep no setting.</para>
/// </remarks>
internal sealed class PostgresCollectionStore : ICollectionStore
{
    /// <summary>pgvector's largest <c>hnsw.ef_search</c>.</summary>
    public const int MaxEf = 1000;

    private const string Registry = "qianru_collections";
    private readonly PostgresLocation _location;
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _table;
    private readonly string _indexName;
    private readonly string _vectorType;

    private PostgresCollectionStore(PostgresLocation location, NpgsqlDataSource dataSource, CollectionInfo info)
    {
        _location = location;
        _dataSource = dataSource;
        Info = info;
        _table = Quote(location.Collection);
        _indexName = location.Collection + "_embedding_hnsw";
        _vectorType = info.HalfPrecision ? "halfvec" : "vector";
    }

    public string Location => _location.Display;

    public CollectionInfo Info { get; private set; }

    public bool IsReadOnly => false;

    public static PostgresCollectionStore Create(PostgresLocation location, CollectionInfo info)
    {
        var dataSource = Build(location);
        try
        {
            Run(location, () =>
            {
                using var connection = dataSource.OpenConnection();
                try
                {
                    Execute(connection, null, "CREATE EXTENSION IF NOT EXISTS vector");
                }
                catch (PostgresException e)
                {
                    throw new QianruException(location.Scrub($"{location.Display}: pgvector is not available ({e.MessageText}); a superuser runs CREATE EXTENSION vector; in database \"{location.Database}\" once"));
                }

                connection.ReloadTypes();
                using var transaction = connection.BeginTransaction();
                // One creator at a time: CREATE TABLE IF NOT EXISTS is not safe against a concurrent twin.
                Execute(connection, transaction, "SELECT pg_advisory_xact_lock(hashtext('qianru_collections'))");
                Execute(connection, transaction, $"""
                    CREATE TABLE IF NOT EXISTS {Registry} (
                        name text PRIMARY KEY,
                        format text NOT NULL,
                        model_id text NOT NULL,
                        model_source text,
                        fingerprint text,
                        dimensions integer NOT NULL,
                        normalized boolean NOT NULL,
                        metric text NOT NULL,
                        vector_type text NOT NULL,
                        generation bigint NOT NULL DEFAULT 0,
                        count bigint NOT NULL DEFAULT 0,
                        created timestamptz NOT NULL DEFAULT now())
                    """);
                using (var exists = new NpgsqlCommand($"SELECT (SELECT 1 FROM {Registry} WHERE name = @n) IS NOT NULL, to_regclass(@t) IS NOT NULL", connection, transaction))
                {
                    exists.Parameters.AddWithValue("n", location.Collection);
                    exists.Parameters.AddWithValue("t", Quote(location.Collection));
                    using var reader = exists.ExecuteReader();
                    reader.Read();
                    if (reader.GetBoolean(0))
                    {
                        throw new QianruException($"{location.Display} already exists; add to it with 'qianru index add', or choose another collection name");
                    }

                    if (reader.GetBoolean(1))
                    {
                        throw new QianruException($"{location.Display}: database \"{location.Database}\" already has a table named {location.Collection} that is not a Qianru collection; choose another collection name");
                    }
                }

                var type = info.HalfPrecision ? "halfvec" : "vector";
                Execute(connection, transaction, $"""
                    CREATE TABLE {Quote(location.Collection)} (
                        key bigserial PRIMARY KEY,
                        id text NOT NULL UNIQUE,
                        text text,
                        metadata jsonb,
                        embedding {type}({info.Dimensions}) NOT NULL)
                    """);
                using (var insert = new NpgsqlCommand($"""
                    INSERT INTO {Registry} (name, format, model_id, model_source, fingerprint, dimensions, normalized, metric, vector_type)
                    VALUES (@name, @format, @model, @source, @fingerprint, @dims, @normalized, @metric, @type)
                    """, connection, transaction))
                {
                    insert.Parameters.AddWithValue("name", location.Collection);
                    insert.Parameters.AddWithValue("format", SqliteCollectionStore.Format);
                    insert.Parameters.AddWithValue("model", info.ModelId);
                    insert.Parameters.AddWithValue("source", (object?)info.ModelSource ?? DBNull.Value);
                    insert.Parameters.AddWithValue("fingerprint", (object?)info.Fingerprint ?? DBNull.Value);
                    insert.Parameters.AddWithValue("dims", info.Dimensions);
                    insert.Parameters.AddWithValue("normalized", info.Normalized);
                    insert.Parameters.AddWithValue("metric", VectorSimilarity.NameOf(info.Metric));
                    insert.Parameters.AddWithValue("type", type);
                    insert.ExecuteNonQuery();
                }

                transaction.Commit();
            });
            return new PostgresCollectionStore(location, dataSource, info);
        }
        catch
        {
            dataSource.Dispose();
            throw;
        }
    }

    public static PostgresCollectionStore Open(PostgresLocation location)
    {
        var dataSource = Build(location);
        try
        {
            var info = Run(location, () =>
            {
                using var connection = dataSource.OpenConnection();
                using var command = new NpgsqlCommand($"""
                    SELECT format, model_id, model_source, fingerprint, dimensions, normalized, metric, vector_type
                    FROM {Registry} WHERE name = @n
                    """, connection);
                command.Parameters.AddWithValue("n", location.Collection);
                try
                {
                    using var reader = command.ExecuteReader();
                    if (!reader.Read())
                    {
                        return null;
                    }

                    if (reader.GetString(0) != SqliteCollectionStore.Format)
                    {
                        throw new QianruException($"{location.Display} is not a Qianru collection (format '{reader.GetString(0)}'; expected '{SqliteCollectionStore.Format}')");
                    }

                    return new CollectionInfo(reader.GetString(1), reader.GetInt32(4), reader.GetBoolean(5))
                    {
                        ModelSource = reader.IsDBNull(2) ? null : reader.GetString(2),
                        Fingerprint = reader.IsDBNull(3) ? null : reader.GetString(3),
                        Metric = VectorSimilarity.ParseMetric(reader.GetString(6)),
                        HalfPrecision = reader.GetString(7) == "halfvec",
                    };
                }
                catch (PostgresException e) when (e.SqlState == "42P01")
                {
                    return null;
                }
            });
            return info is null
                ? throw new QianruException($"collection not found: {location.Display} (create it with 'qianru index create')")
                : new PostgresCollectionStore(location, dataSource, info);
        }
        catch
        {
            dataSource.Dispose();
            throw;
        }
    }

    public (long Count, long Generation) ReadState() => Run(() =>
    {
        using var connection = _dataSource.OpenConnection();
        using var command = new NpgsqlCommand($"SELECT count, generation FROM {Registry} WHERE name = @n", connection);
        command.Parameters.AddWithValue("n", _location.Collection);
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), reader.GetInt64(1)) : throw new QianruException($"{Location} was dropped");
    });

    public void EnsureWritable() => Run(() =>
    {
        using var connection = _dataSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        LockRegistryRow(connection, transaction);
        transaction.Rollback();
    });

    public void RecordFingerprint(string fingerprint)
    {
        Run(() =>
        {
            using var connection = _dataSource.OpenConnection();
            using var command = new NpgsqlCommand($"UPDATE {Registry} SET fingerprint = @f WHERE name = @n", connection);
            command.Parameters.AddWithValue("f", fingerprint);
            command.Parameters.AddWithValue("n", _location.Collection);
            command.ExecuteNonQuery();
        });
        Info = Info with { Fingerprint = fingerprint };
    }

    public StoredState[] Classify(IReadOnlyList<StoredItem> items) => Run(() =>
    {
        var states = new StoredState[items.Count];
        using var connection = _dataSource.OpenConnection();
        using var command = new NpgsqlCommand($"""
            SELECT s.ord, CASE WHEN t.id IS NULL THEN 0
                               WHEN t.text IS NOT DISTINCT FROM s.text AND t.metadata IS NOT DISTINCT FROM s.metadata::jsonb THEN 1
                               ELSE 2 END
            FROM unnest(@ids, @texts, @metadata) WITH ORDINALITY AS s(id, text, metadata, ord)
            LEFT JOIN {_table} t ON t.id = s.id
            """, connection);
        command.Parameters.AddWithValue("ids", items.Select(i => i.Id).ToArray());
        command.Parameters.AddWithValue("texts", items.Select(i => i.Text).ToArray());
        command.Parameters.AddWithValue("metadata", NpgsqlDbType.Array | NpgsqlDbType.Text, items.Select(i => i.Metadata).ToArray());
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            states[reader.GetInt64(0) - 1] = (StoredState)reader.GetInt32(1);
        }

        return states;
    });

    public CollectionAddResult Write(IReadOnlyList<StoredItem> items, ConflictPolicy policy) => Run(() =>
    {
        using var connection = _dataSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        Execute(connection, transaction, $"CREATE TEMP TABLE qianru_staging (ord integer, id text, text text, metadata jsonb, embedding {_vectorType}) ON COMMIT DROP");
        using (var copy = connection.BeginBinaryImport("COPY qianru_staging (ord, id, text, metadata, embedding) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < items.Count; i++)
            {
                var item = items[i];
                copy.StartRow();
                copy.Write(i, NpgsqlDbType.Integer);
                copy.Write(item.Id, NpgsqlDbType.Text);
                copy.Write(item.Text, NpgsqlDbType.Text);
                if (item.Metadata is null)
                {
                    copy.WriteNull();
                }
                else
                {
                    copy.Write(item.Metadata, NpgsqlDbType.Jsonb);
                }

                if (Info.HalfPrecision)
                {
                    copy.Write(new HalfVector(Array.ConvertAll(item.Vector, v => (Half)v)));
                }
                else
                {
                    copy.Write(new Vector(item.Vector));
                }
            }

            copy.Complete();
        }

        LockRegistryRow(connection, transaction);
        if (policy == ConflictPolicy.Error)
        {
            using var conflict = new NpgsqlCommand($"""
                SELECT s.id FROM qianru_staging s JOIN {_table} t ON t.id = s.id
                WHERE t.text IS DISTINCT FROM s.text OR t.metadata IS DISTINCT FROM s.metadata
                ORDER BY s.ord LIMIT 1
                """, connection, transaction);
            if (conflict.ExecuteScalar() is string id)
            {
                throw CollectionErrors.Conflict(id, Location);
            }
        }

        var onConflict = policy == ConflictPolicy.Replace
            ? """
              DO UPDATE SET text = excluded.text, metadata = excluded.metadata, embedding = excluded.embedding
              WHERE t.text IS DISTINCT FROM excluded.text OR t.metadata IS DISTINCT FROM excluded.metadata
              """
            : "DO NOTHING";
        int added, replaced;
        using (var merge = new NpgsqlCommand($"""
            WITH written AS (
                INSERT INTO {_table} AS t (id, text, metadata, embedding)
                SELECT id, text, metadata, embedding FROM qianru_staging ORDER BY ord
                ON CONFLICT (id) {onConflict}
                RETURNING (xmax = 0) AS inserted)
            SELECT count(*) FILTER (WHERE inserted)::integer, count(*) FILTER (WHERE NOT inserted)::integer FROM written
            """, connection, transaction))
        {
            using var reader = merge.ExecuteReader();
            reader.Read();
            added = reader.GetInt32(0);
            replaced = reader.GetInt32(1);
        }

        if (added + replaced > 0)
        {
            using var bump = new NpgsqlCommand($"UPDATE {Registry} SET count = count + @added, generation = generation + 1 WHERE name = @n", connection, transaction);
            bump.Parameters.AddWithValue("added", (long)added);
            bump.Parameters.AddWithValue("n", _location.Collection);
            bump.ExecuteNonQuery();
        }

        transaction.Commit();
        return new CollectionAddResult(added, items.Count - added - replaced, replaced);
    });

    public bool Remove(string id) => Run(() =>
    {
        using var connection = _dataSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        LockRegistryRow(connection, transaction);
        using var delete = new NpgsqlCommand($"DELETE FROM {_table} WHERE id = @id", connection, transaction);
        delete.Parameters.AddWithValue("id", id);
        var removed = delete.ExecuteNonQuery() > 0;
        if (removed)
        {
            using var bump = new NpgsqlCommand($"UPDATE {Registry} SET count = count - 1, generation = generation + 1 WHERE name = @n", connection, transaction);
            bump.Parameters.AddWithValue("n", _location.Collection);
            bump.ExecuteNonQuery();
        }

        transaction.Commit();
        return removed;
    });

    public IReadOnlyList<CollectionHit> Search(float[] query, int k, CollectionSearchOptions options)
    {
        var (count, _) = ReadState();
        if (count == 0)
        {
            return [];
        }

        k = (int)Math.Min(k, count);
        var useIndex = options.Mode == CollectionIndexMode.Hnsw || (options.Mode == CollectionIndexMode.Auto && count >= VectorCollection.AutoIndexThreshold);
        var ef = Math.Max(options.Ef ?? CollectionSearchOptions.DefaultEf, k);
        if (useIndex)
        {
            if (ef > MaxEf)
            {
                throw new QianruException($"{Location}: pgvector searches HNSW with hnsw.ef_search at most {MaxEf}, and ef is raised to k; lower --ef or --k (ef {ef}, k {k}), or search exactly");
            }

            if (!IndexExists())
            {
                BuildIndex(replace: false);
            }
        }

        var (op, toScore) = Info.Metric switch
        {
            SimilarityMetric.Dot => ("<#>", (Func<double, float>)(d => (float)-d)),
            SimilarityMetric.Euclidean => ("<->", d => (float)d),
            _ => ("<=>", d => (float)(1 - d)),
        };
        var queryValue = Info.HalfPrecision ? "@q::halfvec" : "@q";
        return Run(() =>
        {
            using var connection = _dataSource.OpenConnection();
            using var transaction = connection.BeginTransaction();
            Execute(connection, transaction, useIndex
                ? $"SET LOCAL hnsw.ef_search = {ef.ToString(CultureInfo.InvariantCulture)}"
                : "SET LOCAL enable_indexscan = off");
            // Exact search breaks distance ties by insertion order, as the SQLite collection does.
            using var command = new NpgsqlCommand($"""
                SELECT id, text, metadata::text, embedding {op} {queryValue}
                FROM {_table}
                ORDER BY embedding {op} {queryValue}{(useIndex ? "" : ", key")}
                LIMIT @k
                """, connection, transaction);
            command.Parameters.AddWithValue("q", new Vector(query));
            command.Parameters.AddWithValue("k", k);
            var hits = new List<CollectionHit>(k);
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    hits.Add(new CollectionHit(reader.GetString(0), toScore(reader.GetDouble(3)), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
                }
            }

            transaction.Commit();
            return hits;
        });
    }

    public int RebuildIndex() => BuildIndex(replace: true);

    public CollectionIndexInfo GetIndexInfo() =>
        new(IndexExists() ? CollectionIndexStatus.Fresh : CollectionIndexStatus.None, $"pgvector HNSW index {_indexName}");

    public void Dispose() => _dataSource.Dispose();

    private static NpgsqlDataSource Build(PostgresLocation location)
    {
        var builder = new NpgsqlDataSourceBuilder(location.ConnectionString);
        builder.UseVector();
        return builder.Build();
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        command.ExecuteNonQuery();
    }

    private static T Run<T>(PostgresLocation location, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (PostgresErrors.IsDatabaseError(e))
        {
            throw PostgresErrors.Map(e, location);
        }
    }

    private static void Run(PostgresLocation location, Action action) => Run(location, () =>
    {
        action();
        return 0;
    });

    private T Run<T>(Func<T> action) => Run(_location, action);

    private void Run(Action action) => Run(_location, action);

    private void LockRegistryRow(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        using var command = new NpgsqlCommand($"SELECT generation FROM {Registry} WHERE name = @n FOR UPDATE", connection, transaction);
        command.Parameters.AddWithValue("n", _location.Collection);
        if (command.ExecuteScalar() is null)
        {
            throw new QianruException($"{Location} was dropped");
        }
    }

    /// <summary>Builds pgvector's HNSW index (dropping the old one when <paramref name="replace"/>; else only when missing), holding the registry row so writers wait.</summary>
    private int BuildIndex(bool replace)
    {
        var maxDims = Info.HalfPrecision ? 4000 : 2000;
        if (Info.Dimensions > maxDims)
        {
            throw new QianruException($"{Location}: pgvector's HNSW index takes at most {maxDims} dimensions for {_vectorType} ({Info.Dimensions} here){(Info.HalfPrecision ? "" : "; create the collection with --precision float16 (halfvec, up to 4000)")}");
        }

        var ops = Info.Metric switch
        {
            SimilarityMetric.Dot => "_ip_ops",
            SimilarityMetric.Euclidean => "_l2_ops",
            _ => "_cosine_ops",
        };
        return Run(() =>
        {
            using var connection = _dataSource.OpenConnection();
            using var transaction = connection.BeginTransaction();
            LockRegistryRow(connection, transaction);
            if (replace)
            {
                Execute(connection, transaction, $"DROP INDEX IF EXISTS {Quote(_indexName)}");
            }

            using (var create = new NpgsqlCommand($"CREATE INDEX IF NOT EXISTS {Quote(_indexName)} ON {_table} USING hnsw (embedding {_vectorType}{ops}) WITH (m = 16, ef_construction = 128)", connection, transaction))
            {
                create.CommandTimeout = 0;
                create.ExecuteNonQuery();
            }

            using var count = new NpgsqlCommand($"SELECT count FROM {Registry} WHERE name = @n", connection, transaction);
            count.Parameters.AddWithValue("n", _location.Collection);
            var indexed = (long)count.ExecuteScalar()!;
            transaction.Commit();
            return (int)indexed;
        });
    }

    private bool IndexExists() => Run(() =>
    {
        using var connection = _dataSource.OpenConnection();
        using var command = new NpgsqlCommand("SELECT to_regclass(@i) IS NOT NULL", connection);
        command.Parameters.AddWithValue("i", Quote(_indexName));
        return (bool)command.ExecuteScalar()!;
    });
}
