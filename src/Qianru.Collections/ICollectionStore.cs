namespace Qianru.Collections;

/// <summary>
/// Where a <see cref="VectorCollection"/> keeps its items: the seam between the collection (model checks, ingestion,
/// the search API) and a storage backend (SQLite file, PostgreSQL + pgvector). A store owns its connections, keeps the
/// item count and a generation counter (bumped by every committed change), resolves id conflicts inside its own
/// transactions (so concurrent writers never fail on a duplicate id) and searches.
/// </summary>
/// <remarks>Every failure a user can cause (unreachable, read-only, wrong credentials) is a <see cref="QianruException"/>
/// whose one-line message names the collection by <see cref="Location"/> (never a password).</remarks>
internal interface ICollectionStore : IDisposable
{
    /// <summary>The collection for messages: the database file, or the PostgreSQL URI without its password.</summary>
    string Location { get; }

    /// <summary>The model, dimensions, metric and precision recorded at creation (with the fingerprint as last read).</summary>
    CollectionInfo Info { get; }

    /// <summary>True when the collection was opened read-only; every write is refused.</summary>
    bool IsReadOnly { get; }

    /// <summary>The stored item count and the generation, read from the store (no scan).</summary>
    (long Count, long Generation) ReadState();

    /// <summary>Throws a <see cref="QianruException"/> naming the collection when it cannot be written.</summary>
    void EnsureWritable();

    /// <summary>Records the model's fingerprint on a collection that has none yet.</summary>
    void RecordFingerprint(string fingerprint);

    /// <summary>For each item, whether its id is absent, stored with the same text and metadata, or stored differently.</summary>
    StoredState[] Classify(IReadOnlyList<StoredItem> items);

    /// <summary>Writes items in one transaction, resolving each id per <paramref name="policy"/> against what is stored at commit time.</summary>
    /// <exception cref="QianruException">An id stored with other text or metadata under <see cref="ConflictPolicy.Error"/>; nothing of this batch is written.</exception>
    CollectionAddResult Write(IReadOnlyList<StoredItem> items, ConflictPolicy policy);

    /// <summary>Removes the item with <paramref name="id"/>; false when there is none.</summary>
    bool Remove(string id);

    /// <summary>The <paramref name="k"/> best items for <paramref name="query"/> by the collection's metric, best first.</summary>
    IReadOnlyList<CollectionHit> Search(float[] query, int k, CollectionSearchOptions options);

    /// <summary>Builds the HNSW index now; returns the number of vectors indexed.</summary>
    int RebuildIndex();

    /// <summary>The state of the HNSW index.</summary>
    CollectionIndexInfo GetIndexInfo();
}
