namespace Qianru.Collections;

/// <summary>Where a collection's HNSW index lives and whether it is current.</summary>
/// <param name="Status">None, stale, damaged or fresh.</param>
/// <param name="Location">The cache file beside a SQLite collection, or the PostgreSQL index's name.</param>
public sealed record CollectionIndexInfo(CollectionIndexStatus Status, string Location);
