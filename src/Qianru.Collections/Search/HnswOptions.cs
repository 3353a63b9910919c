using Qianru.Similarity;

namespace Qianru.Search;

/// <summary>Parameters of an <see cref="HnswIndex"/> (the names of the HNSW paper and hnswlib).</summary>
public sealed class HnswOptions
{
    private readonly int _m = 16;
    private readonly int _efConstruction = 128;
    private readonly int _efSearch = 64;

    /// <summary>Cosine (default), dot or Euclidean; Manhattan is not supported by the index.</summary>
    public SimilarityMetric Metric { get; init; } = SimilarityMetric.Cosine;

    /// <summary>
    /// How vectors are stored: <see cref="HnswPrecision.Float16"/> (default) halves memory and roughly doubles search
    /// speed against float32 at the same recall; choose <see cref="HnswPrecision.Float32"/> for exact scores.
    /// </summary>
    public HnswPrecision Precision { get; init; } = HnswPrecision.Float16;

    /// <summary>M: links per node (USearch "connectivity"). Default 16; 2 to 256. Higher: better recall, more memory.</summary>
    public int M
    {
        get => _m;
        init => _m = value is >= 2 and <= 256 ? value : throw new ArgumentOutOfRangeException(nameof(M), value, "M must be between 2 and 256");
    }

    /// <summary>ef_construction: candidates kept while inserting (USearch "expansion_add"). Default 128; 1 to 10,000.</summary>
    public int EfConstruction
    {
        get => _efConstruction;
        init => _efConstruction = value is >= 1 and <= VectorSearchOptions.MaxEf ? value : throw new ArgumentOutOfRangeException(nameof(EfConstruction), value, $"ef_construction must be between 1 and {VectorSearchOptions.MaxEf}");
    }

    /// <summary>
    /// The default ef_search: candidates kept while searching (USearch "expansion_search"), raised to k when smaller;
    /// a search's <see cref="VectorSearchOptions.Ef"/> overrides it. Default 64; 1 to 10,000.
    /// </summary>
    public int EfSearch
    {
        get => _efSearch;
        init => _efSearch = value is >= 1 and <= VectorSearchOptions.MaxEf ? value : throw new ArgumentOutOfRangeException(nameof(EfSearch), value, $"ef_search must be between 1 and {VectorSearchOptions.MaxEf}");
    }
}
