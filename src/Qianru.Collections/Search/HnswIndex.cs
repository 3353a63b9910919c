using Cloud.Unum.USearch;
using Qianru.Similarity;

namespace Qianru.Search;

/// <summary>
/// An approximate nearest-neighbour index (HNSW) through USearch (Cloud.Unum.USearch): build, add, remove, search,
/// save and load. Keys are non-negative ints (a corpus position, a database row id) returned as <see cref="SearchHit.Id"/>.
/// </summary>
/// <remarks>
/// Scores are reported as <see cref="SemanticSearch"/> reports them: cosine similarity, dot product or Euclidean
/// distance. Searching is thread-safe; adding and removing must not run concurrently with each other or with
/// searches (the batch <see cref="Add(IReadOnlyList{int}, IReadOnlyList{float[]})"/> parallelizes internally).
/// Reference: Malkov and Yashunin, "Efficient and robust approximate nearest neighbor search using HNSW graphs";
/// <see href="https://github.com/unum-cloud/USearch">USearch</see>.
/// </remarks>
public sealed class HnswIndex : IDisposable
{
    private static readonly int Threads = Environment.ProcessorCount;
    private readonly USearchIndex _index;

    // USearch keeps one search context per reserved thread; more concurrent searches than that fail.
    private readonly SemaphoreSlim _searchSlots = new(Threads, Threads);
    private int _efSearch;

    private HnswIndex(USearchIndex index, int dimensions, SimilarityMetric metric, int efSearch)
    {
        _index = index;
        USearchNative.Reserve(index, (int)Math.Max(index.Size(), 1), Threads);
        Dimensions = dimensions;
        Metric = metric;
        EfSearch = efSearch;
    }

    /// <summary>The vector length.</summary>
    public int Dimensions { get; }

    /// <summary>The metric scores are reported in.</summary>
    public SimilarityMetric Metric { get; }

    /// <summary>The number of vectors in the index.</summary>
    public int Count => (int)_index.Size();

    /// <summary>ef_search: candidates kept while searching (at least k is used). Setting it is not thread-safe with searches.</summary>
    public int EfSearch
    {
        get => _efSearch;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            USearchNative.ChangeExpansionSearch(_index, value);
            _efSearch = value;
        }
    }

    /// <summary>Creates an empty index for vectors of <paramref name="dimensions"/> values.</summary>
    /// <exception cref="NotSupportedException">The Manhattan metric.</exception>
    public static HnswIndex Create(int dimensions, HnswOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        options ??= new HnswOptions();
        var index = new USearchIndex(ToKind(options.Metric), ToScalar(options.Precision), (ulong)dimensions, (ulong)options.M, (ulong)options.EfConstruction, (ulong)options.EfSearch, false);
        return new HnswIndex(index, dimensions, options.Metric, options.EfSearch);
    }

    /// <summary>Builds an index over <paramref name="vectors"/>, keyed by position (0, 1, ...), on all cores.</summary>
    public static HnswIndex Build(IReadOnlyList<float[]> vectors, HnswOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Count == 0)
        {
            throw new ArgumentException("cannot build an index from no vectors", nameof(vectors));
        }

        var index = Create(vectors[0].Length, options);
        try
        {
            index.Add([.. Enumerable.Range(0, vectors.Count)], vectors);
            return index;
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    /// <summary>Loads an index saved by <see cref="Save"/>; <paramref name="metric"/> must be the one it was built with.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    public static HnswIndex Load(string path, SimilarityMetric metric, int efSearch = 64)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"HNSW index file not found: {path}", path);
        }

        USearchIndex index;
        try
        {
            index = new USearchIndex(path, false);
        }
        catch (USearchException e)
        {
            throw new InvalidDataException($"{path}: not a readable USearch index ({e.Message})", e);
        }

        return new HnswIndex(index, (int)index.Dimensions(), metric, efSearch);
    }

    /// <summary>Adds one vector under <paramref name="key"/>.</summary>
    public void Add(int key, float[] vector) => Add([key], [vector]);

    /// <summary>Adds vectors under the given keys, in parallel on all cores.</summary>
    /// <exception cref="ArgumentException">A wrong dimension, a negative or already present key.</exception>
    public void Add(IReadOnlyList<int> keys, IReadOnlyList<float[]> vectors)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(vectors);
        if (keys.Count != vectors.Count)
        {
            throw new ArgumentException($"{keys.Count} keys but {vectors.Count} vectors", nameof(keys));
        }

        for (var i = 0; i < keys.Count; i++)
        {
            if (vectors[i].Length != Dimensions)
            {
                throw new ArgumentException($"vector {i} has {vectors[i].Length} dimensions but the index has {Dimensions}", nameof(vectors));
            }

            if (keys[i] < 0 || _index.Contains((ulong)keys[i]))
            {
                throw new ArgumentException($"key {keys[i]} is negative or already in the index", nameof(keys));
            }
        }

        USearchNative.Reserve(_index, Count + keys.Count, Threads);
        Parallel.For(0, keys.Count, new ParallelOptions { MaxDegreeOfParallelism = Threads }, i => _index.Add((ulong)keys[i], vectors[i]));
    }

    /// <summary>Removes the vector under <paramref name="key"/>; false when there is none.</summary>
    public bool Remove(int key) => key >= 0 && _index.Contains((ulong)key) && _index.Remove((ulong)key) > 0;

    /// <summary>True when a vector is stored under <paramref name="key"/>.</summary>
    public bool Contains(int key) => key >= 0 && _index.Contains((ulong)key);

    /// <summary>The (approximate) k nearest vectors to <paramref name="query"/>, best first.</summary>
    public SearchHit[] Search(float[] query, int k)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (query.Length != Dimensions)
        {
            throw new ArgumentException($"the query has {query.Length} dimensions but the index has {Dimensions}", nameof(query));
        }

        int found;
        ulong[] keys;
        float[] distances;
        _searchSlots.Wait();
        try
        {
            found = _index.Search(query, k, out keys, out distances);
        }
        finally
        {
            _searchSlots.Release();
        }

        var hits = new SearchHit[found];
        for (var i = 0; i < found; i++)
        {
            hits[i] = new SearchHit((int)keys[i], ToScore(distances[i]));
        }

        return hits;
    }

    /// <summary>Searches many queries in parallel (on all cores unless <paramref name="maxDegreeOfParallelism"/> limits it).</summary>
    public SearchHit[][] Search(IReadOnlyList<float[]> queries, int k, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(queries);
        if (_efSearch < k)
        {
            EfSearch = k;
        }

        var results = new SearchHit[queries.Count][];
        Parallel.For(0, queries.Count, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism is > 0 and < int.MaxValue ? Math.Min(maxDegreeOfParallelism, Threads) : Threads }, q => results[q] = Search(queries[q], k));
        return results;
    }

    /// <summary>Saves the index to <paramref name="path"/> (USearch's file format).</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _index.Save(path);
    }

    /// <summary>Frees the native index.</summary>
    public void Dispose()
    {
        _index.Dispose();
        _searchSlots.Dispose();
    }

    private static MetricKind ToKind(SimilarityMetric metric) => metric switch
    {
        SimilarityMetric.Cosine => MetricKind.Cos,
        SimilarityMetric.Dot => MetricKind.Ip,
        SimilarityMetric.Euclidean => MetricKind.L2sq,
        _ => throw new NotSupportedException($"the HNSW index does not support the {VectorSimilarity.NameOf(metric)} metric; supported: cosine, dot, euclidean"),
    };

    private static ScalarKind ToScalar(HnswPrecision precision) => precision switch
    {
        HnswPrecision.Float32 => ScalarKind.Float32,
        HnswPrecision.Float16 => ScalarKind.Float16,
        HnswPrecision.BFloat16 => ScalarKind.BFloat16,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "unknown HNSW precision"),
    };

    private float ToScore(float distance) => Metric switch
    {
        SimilarityMetric.Euclidean => MathF.Sqrt(MathF.Max(0, distance)),
        _ => 1 - distance,
    };
}
