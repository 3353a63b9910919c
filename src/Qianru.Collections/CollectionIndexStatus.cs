namespace Qianru.Collections;

/// <summary>The state of a collection's HNSW index.</summary>
public enum CollectionIndexStatus
{
    /// <summary>No index yet: it is built on demand (search with <see cref="CollectionIndexMode.Hnsw"/>, or Auto from <see cref="VectorCollection.AutoIndexThreshold"/> items) or by <see cref="VectorCollection.RebuildIndex"/>.</summary>
    None,

    /// <summary>The cache file was built before the last change; it is rebuilt on demand.</summary>
    Stale,

    /// <summary>The cache file does not match its checksum or cannot be read; it is never used, and is rebuilt on demand.</summary>
    Damaged,

    /// <summary>The index matches the stored vectors.</summary>
    Fresh,
}
