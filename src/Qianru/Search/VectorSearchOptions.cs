namespace Qianru.Search;

/// <summary>Per-call settings of <see cref="IVectorIndex.Search"/>; each applies to the index kinds named.</summary>
public sealed class VectorSearchOptions
{
    /// <summary>The largest ef or k accepted: 10,000.</summary>
    public const int MaxEf = 10_000;

    private readonly int? _ef;
    private readonly int _rescore;
    private readonly int _maxDegreeOfParallelism = -1;

    /// <summary>
    /// HNSW: ef_search, the candidates kept while searching (raised to k when smaller); null for the index's default.
    /// 1 to <see cref="MaxEf"/>. Higher: better recall, slower.
    /// </summary>
    public int? Ef
    {
        get => _ef;
        init => _ef = value is null or (>= 1 and <= MaxEf) ? value : throw new ArgumentOutOfRangeException(nameof(Ef), value, $"ef must be between 1 and {MaxEf}");
    }

    /// <summary>Int8 and binary: candidates per query rescored with the float vectors (at least k are); 0 (the default) for none.</summary>
    public int Rescore
    {
        get => _rescore;
        init => _rescore = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(Rescore), value, "rescore must be at least 0");
    }

    /// <summary>The most threads to use; -1 (the default) uses all cores.</summary>
    public int MaxDegreeOfParallelism
    {
        get => _maxDegreeOfParallelism;
        init => _maxDegreeOfParallelism = value == -1 || value >= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxDegreeOfParallelism), value, "MaxDegreeOfParallelism must be -1 or at least 1");
    }
}
