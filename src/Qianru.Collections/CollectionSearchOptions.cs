namespace Qianru.Collections;

/// <summary>How <see cref="VectorCollection.Search(float[], int, CollectionSearchOptions)"/> searches.</summary>
public sealed class CollectionSearchOptions
{
    /// <summary>The default ef_search of collection searches: 128.</summary>
    public const int DefaultEf = 128;

    private readonly int? _ef;

    /// <summary>Exact, HNSW, or (the default) HNSW from <see cref="VectorCollection.AutoIndexThreshold"/> items.</summary>
    public CollectionIndexMode Mode { get; init; } = CollectionIndexMode.Auto;

    /// <summary>
    /// HNSW ef_search (raised to k when smaller); null for <see cref="DefaultEf"/>. 1 to 10,000; PostgreSQL (pgvector's
    /// <c>hnsw.ef_search</c>) takes at most 1,000.
    /// </summary>
    public int? Ef
    {
        get => _ef;
        init => _ef = value is null or (>= 1 and <= Search.VectorSearchOptions.MaxEf)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Ef), value, $"ef must be between 1 and {Search.VectorSearchOptions.MaxEf}");
    }
}
