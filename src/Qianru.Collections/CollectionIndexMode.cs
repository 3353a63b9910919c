namespace Qianru.Collections;

/// <summary>Whether a collection search uses the HNSW index cache file.</summary>
public enum CollectionIndexMode
{
    /// <summary>Use (and build or rebuild when stale) the HNSW index for collections of at least 10,000 vectors; exact search below.</summary>
    Auto,

    /// <summary>Always exact (brute-force) search over the stored vectors.</summary>
    Exact,

    /// <summary>Always the HNSW index, built or rebuilt first when missing or stale.</summary>
    Hnsw,
}
