using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.AI;
using Qianru.Models;
using Qianru.Similarity;

namespace Qianru.Collections;

/// <summary>
/// A persistent collection of texts and their vectors (id, text, metadata JSON, vector), in one SQLite file or, with
/// the Qianru.Collections.PostgreSQL package, in PostgreSQL with pgvector; searched exactly or through an HNSW index.
/// </summary>
/// <remarks>
/// <para>The collection records its model (id and <see cref="ModelInfo.Fingerprint"/>), dimensions, normalization and
/// metric once, at <see cref="Create"/>; vectors of another length, or texts embedded by another model, are refused
/// with a <see cref="QianruException"/>: a generator whose model has another fingerprint is refused whatever its name.</para>
/// <para>Adding is transactional per batch: each batch is embedded, then committed in one transaction, so a crash (even
/// kill -9) loses no committed batch and leaves no partial one, and re-running the same add skips the ids already
/// stored with the same content and resumes. Ids are stable: given, or derived from the text (<see cref="IdForText"/>).
/// An id stored with other content is replaced, skipped or refused (<see cref="ConflictPolicy"/>), decided inside the
/// transaction, so several processes may add to one collection at once.</para>
/// <para>Every committed change bumps a generation counter. A SQLite collection's HNSW index is a cache file beside the
/// database (<see cref="CollectionIndexInfo.Location"/>) tied to a generation and a checksum: it is rebuilt on demand
/// when stale or damaged. A PostgreSQL collection uses pgvector's HNSW index, kept current by the database.</para>
/// <para>Not thread-safe: use one instance per thread (several processes may read and write one collection).</para>
/// </remarks>
public sealed class VectorCollection : IDisposable
{
    /// <summary>Collections of at least this many vectors use the HNSW index in <see cref="CollectionIndexMode.Auto"/>.</summary>
    public const int AutoIndexThreshold = 10_000;

    /// <summary>The most dimensions a collection's vectors may have: 65,536.</summary>
    public const int MaxDimensions = 65_536;

    private readonly ICollectionStore _store;

    internal VectorCollection(ICollectionStore store)
    {
        _store = store;
    }

    /// <summary>The collection: its database file, or its PostgreSQL URI without the password.</summary>
    public string Location => _store.Location;

    /// <summary>The model, dimensions, normalization and metric recorded at creation.</summary>
    public CollectionInfo Info => _store.Info;

    /// <summary>True when the collection was opened read-only (asked, or its file or folder cannot be written).</summary>
    public bool IsReadOnly => _store.IsReadOnly;

    /// <summary>The number of stored items (kept by the store with every write; no scan).</summary>
    public long Count => _store.ReadState().Count;

    /// <summary>A counter bumped by every committed change.</summary>
    public long Generation => _store.ReadState().Generation;

    /// <summary>The HNSW index: where it is and whether it is current.</summary>
    public CollectionIndexInfo IndexInfo => _store.GetIndexInfo();

    /// <summary>True for a PostgreSQL URI (<c>postgres://</c> or <c>postgresql://</c>) rather than a file path.</summary>
    public static bool IsPostgresUri(string location) =>
        location is not null && (location.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase));

    /// <summary>Creates a new collection file (SQLite).</summary>
    /// <exception cref="QianruException">The file exists, cannot be created, or <paramref name="info"/> is invalid.</exception>
    public static VectorCollection Create(string path, CollectionInfo info)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        CheckInfo(info);
        RefuseUri(path);
        return new VectorCollection(SqliteCollectionStore.Create(System.IO.Path.GetFullPath(path), info));
    }

    /// <summary>Opens an existing collection file (SQLite).</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">The file is not a Qianru collection.</exception>
    public static VectorCollection Open(string path, CollectionOpenOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        RefuseUri(path);
        return new VectorCollection(SqliteCollectionStore.Open(System.IO.Path.GetFullPath(path), options?.ReadOnly ?? false));
    }

    /// <summary>The id given to a text added without one: the first 16 hex digits of the SHA-256 of its UTF-8 bytes.</summary>
    public static string IdForText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }

    /// <summary>Checks what a new collection records (any store).</summary>
    internal static void CheckInfo(CollectionInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (string.IsNullOrWhiteSpace(info.ModelId) || info.Dimensions is < 1 or > MaxDimensions)
        {
            throw new QianruException($"a collection needs a model id and 1 to {MaxDimensions} dimensions (got '{info.ModelId}', {info.Dimensions})");
        }

        if (info.Metric == SimilarityMetric.Manhattan)
        {
            throw new QianruException("a collection's metric is cosine, dot or euclidean; not manhattan");
        }
    }

    /// <summary>
    /// Embeds and adds texts in batches of <paramref name="batchSize"/>, one transaction per batch, replacing items
    /// whose id is stored with other content (<see cref="ConflictPolicy.Replace"/>); ids stored with the same content,
    /// and repeats, are skipped without being embedded.
    /// </summary>
    public Task<CollectionAddResult> AddAsync(
        IReadOnlyList<CollectionItem> items,
        IEmbeddingGenerator<string, Embedding<float>> generator,
        int batchSize = 32,
        IProgress<int>? progress = null,
        CancellationToken cancellationToken = default) =>
        AddAsync(items, generator, new CollectionAddOptions { BatchSize = batchSize }, progress, cancellationToken);

    /// <summary>Embeds and adds texts; see <see cref="CollectionAddOptions"/> for the batch size and the conflict policy.</summary>
    /// <param name="items">The texts, with optional ids and metadata.</param>
    /// <param name="generator">The embedding generator; its model must be the collection's.</param>
    /// <param name="options">Batch size and conflict policy; null for the defaults (32, replace).</param>
    /// <param name="progress">Receives the number of items processed (written or skipped) as they are.</param>
    /// <param name="cancellationToken">Stops between batches; committed batches stay.</param>
    /// <exception cref="QianruException">Another model, a vector of the wrong dimension, a read-only collection, or a conflict under <see cref="ConflictPolicy.Error"/>.</exception>
    public async Task<CollectionAddResult> AddAsync(
        IReadOnlyList<CollectionItem> items,
        IEmbeddingGenerator<string, Embedding<float>> generator,
        CollectionAddOptions? options,
        IProgress<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(generator);
        var (modelId, fingerprint) = Identify(generator);
        CheckModel(modelId, fingerprint);
        var ingestion = new CollectionIngestion(_store, options ?? new CollectionAddOptions());
        var (prepared, skipped) = ingestion.Prepare(items);
        _store.EnsureWritable();
        RecordFingerprint(fingerprint);
        return await ingestion.AddAsync(prepared, skipped, async (batch, token) =>
        {
            var embeddings = await generator.GenerateAsync(batch.Select(i => i.Text), cancellationToken: token).ConfigureAwait(false);
            if (embeddings.Count != batch.Count)
            {
                throw new QianruException($"the generator returned {embeddings.Count} embeddings for {batch.Count} texts");
            }

            if (fingerprint is null)
            {
                foreach (var embedding in embeddings)
                {
                    CheckModel(embedding.ModelId, null);
                }
            }

            return [.. embeddings.Select(e => e.Vector.ToArray())];
        }, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds items with vectors embedded elsewhere by <paramref name="modelId"/>, in one transaction.</summary>
    /// <exception cref="QianruException">Another model, a vector of the wrong dimension, or a conflict under <see cref="ConflictPolicy.Error"/>.</exception>
    public CollectionAddResult AddVectors(IReadOnlyList<CollectionItem> items, IReadOnlyList<float[]> vectors, string modelId, ConflictPolicy onConflict = ConflictPolicy.Replace)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(vectors);
        if (items.Count != vectors.Count)
        {
            throw new ArgumentException($"{items.Count} items but {vectors.Count} vectors", nameof(vectors));
        }

        CheckModel(modelId ?? throw new ArgumentNullException(nameof(modelId)), null);
        var ingestion = new CollectionIngestion(_store, new CollectionAddOptions { OnConflict = onConflict });
        var (prepared, skipped) = ingestion.Prepare(items);
        _store.EnsureWritable();
        var byItem = new Dictionary<CollectionItem, float[]>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < items.Count; i++)
        {
            byItem[items[i]] = vectors[i];
        }

        var result = ingestion.Write(prepared, [.. prepared.Select(p => byItem[p.Source])]);
        return result with { Skipped = result.Skipped + skipped };
    }

    /// <summary>Removes the item with <paramref name="id"/>; false when there is none.</summary>
    public bool Remove(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return _store.Remove(id);
    }

    /// <summary>
    /// The <paramref name="k"/> items closest to <paramref name="queryVector"/> by the collection's metric, best first,
    /// with their text and metadata.
    /// </summary>
    /// <exception cref="QianruException">The query has the wrong dimension.</exception>
    public IReadOnlyList<CollectionHit> Search(float[] queryVector, int k = 5, CollectionIndexMode mode = CollectionIndexMode.Auto) =>
        Search(queryVector, k, new CollectionSearchOptions { Mode = mode });

    /// <summary>Searches with an index mode and ef; see <see cref="Search(float[], int, CollectionIndexMode)"/>.</summary>
    public IReadOnlyList<CollectionHit> Search(float[] queryVector, int k, CollectionSearchOptions options)
    {
        ArgumentNullException.ThrowIfNull(queryVector);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (queryVector.Length != Info.Dimensions)
        {
            throw new QianruException($"the query vector has {queryVector.Length} dimensions but collection {Location} holds {Info.Dimensions}-dimensional vectors of model '{Info.ModelId}'");
        }

        if (!float.IsFinite(System.Numerics.Tensors.TensorPrimitives.Sum(queryVector)))
        {
            throw new QianruException("the query vector has NaN or infinite values");
        }

        return _store.Search(queryVector, k, options);
    }

    /// <summary>
    /// Embeds <paramref name="query"/> (with the model's query prompt when the generator is a
    /// <see cref="SentenceEmbedder"/> whose model has one) and searches.
    /// </summary>
    public Task<IReadOnlyList<CollectionHit>> SearchAsync(
        string query,
        IEmbeddingGenerator<string, Embedding<float>> generator,
        int k = 5,
        CollectionIndexMode mode = CollectionIndexMode.Auto,
        CancellationToken cancellationToken = default) =>
        SearchAsync(query, generator, k, new CollectionSearchOptions { Mode = mode }, cancellationToken);

    /// <summary>Embeds <paramref name="query"/> and searches with an index mode and ef.</summary>
    public async Task<IReadOnlyList<CollectionHit>> SearchAsync(
        string query,
        IEmbeddingGenerator<string, Embedding<float>> generator,
        int k,
        CollectionSearchOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(generator);
        var (modelId, fingerprint) = Identify(generator);
        CheckModel(modelId, fingerprint);
        float[] vector;
        if (generator.GetService<SentenceEmbedder>() is { } embedder)
        {
            vector = embedder.EmbedQuery(query);
        }
        else
        {
            var embedding = await generator.GenerateAsync(query, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (fingerprint is null)
            {
                CheckModel(embedding.ModelId, null);
            }

            vector = embedding.Vector.ToArray();
        }

        return Search(vector, k, options);
    }

    /// <summary>Builds the HNSW index from the stored vectors now (a SQLite collection's cache file; pgvector's index).</summary>
    /// <returns>The number of vectors indexed.</returns>
    public int RebuildIndex() => _store.RebuildIndex();

    /// <summary>Closes the database and frees the index.</summary>
    public void Dispose() => _store.Dispose();

    private static void RefuseUri(string location)
    {
        if (IsPostgresUri(location))
        {
            throw new QianruException("a postgres:// collection is opened with Qianru.Collections.PostgreSQL's PostgresCollection.Create or Open; VectorCollection.Create and Open take a SQLite file");
        }
    }

    private static (string? ModelId, string? Fingerprint) Identify(IEmbeddingGenerator<string, Embedding<float>> generator) =>
        (generator.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId, generator.GetService<ModelInfo>()?.Fingerprint);

    private void CheckModel(string? modelId, string? fingerprint)
    {
        if (Info.Fingerprint is { } stored && fingerprint is not null)
        {
            if (!string.Equals(stored, fingerprint, StringComparison.Ordinal))
            {
                throw new QianruException($"collection {Location} holds vectors of model '{Info.ModelId}' (fingerprint {Short(stored)}); the model '{modelId}' given has other weights or another tokenizer (fingerprint {Short(fingerprint)}), so its vectors are refused");
            }

            return;
        }

        if (modelId is not null && !string.Equals(modelId, Info.ModelId, StringComparison.Ordinal))
        {
            throw new QianruException($"collection {Location} holds vectors of model '{Info.ModelId}'; vectors of model '{modelId}' are refused");
        }
    }

    private static string Short(string fingerprint) =>
        fingerprint.StartsWith("sha256:", StringComparison.Ordinal) && fingerprint.Length > 19 ? fingerprint[7..19] : fingerprint;

    private void RecordFingerprint(string? fingerprint)
    {
        if (Info.Fingerprint is null && fingerprint is not null)
        {
            _store.RecordFingerprint(fingerprint);
        }
    }
}
