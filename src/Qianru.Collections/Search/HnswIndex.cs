using System.Runtime.InteropServices;
using Qianru.Similarity;

namespace Qianru.Search;

/// <summary>
/// An approximate nearest-neighbour index (HNSW) on USearch's C library: build, add, remove, search, save and load.
/// Keys are non-negative ints (a corpus position, a database row id) returned as <see cref="SearchHit.Id"/>.
/// </summary>
/// <remarks>
/// <para>Scores are reported as <see cref="SemanticSearch"/> reports them: cosine similarity, dot product or Euclidean
/// distance. ef_search is a per-call setting (<see cref="VectorSearchOptions.Ef"/>, default <see cref="EfSearch"/>).</para>
/// <para>Thread-safe: any number of threads may search at once, also with different ef values, and adding, removing
/// and saving may be called concurrently with searches. USearch keeps ef in the index, not per call, so searches with
/// the same ef run together and a search with another ef waits until those running finish (a reader-writer lock);
/// adding and removing wait for every search. Each native search uses one of the index's per-thread contexts (one
/// per core); more concurrent searches than cores queue for one.</para>
/// <para>Reference: Malkov and Yashunin, "Efficient and robust approximate nearest neighbor search using HNSW graphs";
/// <see href="https://github.com/unum-cloud/USearch">USearch</see> (its C API, <c>c/usearch.h</c>, declared by Qianru).</para>
/// </remarks>
public sealed unsafe class HnswIndex : IVectorIndex, IDisposable
{
    private static readonly int Threads = Environment.ProcessorCount;
    private readonly USearchIndexHandle _handle;
    private readonly ReaderWriterLockSlim _gate = new(LockRecursionPolicy.NoRecursion);
    private readonly SemaphoreSlim _searchSlots = new(Threads, Threads);
    private int _nativeEf;
    private volatile bool _disposed;

    private HnswIndex(USearchIndexHandle handle, int dimensions, SimilarityMetric metric, int efSearch, int nativeEf)
    {
        _handle = handle;
        Dimensions = dimensions;
        Metric = metric;
        EfSearch = efSearch;
        _nativeEf = nativeEf;
        Reserve(Math.Max(CountUnlocked, 1));
    }

    /// <summary>The vector length.</summary>
    public int Dimensions { get; }

    /// <summary>The metric scores are reported in.</summary>
    public SimilarityMetric Metric { get; }

    /// <summary>The number of vectors in the index.</summary>
    public int Count
    {
        get
        {
            _gate.EnterReadLock();
            try
            {
                return CountUnlocked;
            }
            finally
            {
                _gate.ExitReadLock();
            }
        }
    }

    /// <summary>The default ef_search: candidates kept while searching when a search does not set <see cref="VectorSearchOptions.Ef"/> (raised to k when smaller).</summary>
    public int EfSearch { get; }

    private int CountUnlocked
    {
        get
        {
            var size = USearchNative.Size(Handle, out var error);
            USearchNative.Check(error, "size");
            return (int)size;
        }
    }

    private IntPtr Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _handle.DangerousGetHandle();
        }
    }

    /// <summary>Creates an empty index for vectors of <paramref name="dimensions"/> values.</summary>
    /// <exception cref="NotSupportedException">The Manhattan metric.</exception>
    public static HnswIndex Create(int dimensions, HnswOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        options ??= new HnswOptions();
        var init = new USearchNative.InitOptions
        {
            MetricKind = ToKind(options.Metric),
            Quantization = ToScalar(options.Precision),
            Dimensions = (nuint)dimensions,
            Connectivity = (nuint)options.M,
            ExpansionAdd = (nuint)options.EfConstruction,
            ExpansionSearch = (nuint)options.EfSearch,
        };
        var handle = Init(ref init);
        return new HnswIndex(handle, dimensions, options.Metric, options.EfSearch, options.EfSearch);
    }

    /// <summary>Builds an index over <paramref name="vectors"/>, keyed by position (0, 1, ...), on all cores.</summary>
    public static HnswIndex Build(IReadOnlyList<float[]> vectors, HnswOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Count == 0)
        {
            throw new ArgumentException("cannot build an index from no vectors", nameof(vectors));
        }

        return Build(VectorMatrix.FromRows(vectors), options);
    }

    /// <summary>Builds an index over the rows of <paramref name="vectors"/>, keyed by row (0, 1, ...), on all cores.</summary>
    public static HnswIndex Build(VectorMatrix vectors, HnswOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Rows == 0)
        {
            throw new ArgumentException("cannot build an index from no vectors", nameof(vectors));
        }

        var index = Create(vectors.Dimensions, options);
        try
        {
            index.Add([.. Enumerable.Range(0, vectors.Rows)], vectors);
            return index;
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    /// <summary>Loads an index saved by <see cref="Save"/>; its metric, precision and dimensions come from the file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="efSearch">The default ef_search of searches on the loaded index.</param>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not a USearch index of a metric Qianru reads (cosine, inner product, squared L2).</exception>
    public static HnswIndex Load(string path, int efSearch = 64)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(efSearch, 1);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"HNSW index file not found: {path}", path);
        }

        var options = default(USearchNative.InitOptions);
        USearchNative.Metadata(path, ref options, out var error);
        if (error != IntPtr.Zero)
        {
            throw new InvalidDataException($"{path}: not a readable USearch index ({Marshal.PtrToStringUTF8(error)})");
        }

        var metric = ToMetric(options.MetricKind, path);
        WithSearchDefaults(ref options, efSearch);
        var handle = Init(ref options);
        try
        {
            USearchNative.Load(handle.DangerousGetHandle(), path, out error);
            if (error != IntPtr.Zero)
            {
                throw new InvalidDataException($"{path}: not a readable USearch index ({Marshal.PtrToStringUTF8(error)})");
            }

            return new HnswIndex(handle, (int)options.Dimensions, metric, efSearch, (int)options.ExpansionSearch);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Adds one vector under <paramref name="key"/>.</summary>
    public void Add(int key, float[] vector) => Add([key], [vector]);

    /// <summary>Adds vectors under the given keys, in parallel on all cores (searches wait until it is done).</summary>
    /// <exception cref="ArgumentException">A wrong dimension, a negative or already present key.</exception>
    public void Add(IReadOnlyList<int> keys, IReadOnlyList<float[]> vectors)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(vectors);
        if (keys.Count != vectors.Count)
        {
            throw new ArgumentException($"{keys.Count} keys but {vectors.Count} vectors", nameof(keys));
        }

        for (var i = 0; i < vectors.Count; i++)
        {
            if (vectors[i] is null || vectors[i].Length != Dimensions)
            {
                throw new ArgumentException($"vector {i} has {vectors[i]?.Length ?? 0} dimensions but the index has {Dimensions}", nameof(vectors));
            }
        }

        Add(keys, vectors.Count == 0 ? new VectorMatrix(0, Dimensions) : VectorMatrix.FromRows(vectors));
    }

    /// <summary>Adds the rows of <paramref name="vectors"/> under the given keys, in parallel on all cores (searches wait until it is done).</summary>
    /// <exception cref="ArgumentException">A wrong dimension, a negative or already present key.</exception>
    public void Add(IReadOnlyList<int> keys, VectorMatrix vectors)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(vectors);
        if (keys.Count != vectors.Rows)
        {
            throw new ArgumentException($"{keys.Count} keys but {vectors.Rows} vectors", nameof(keys));
        }

        if (vectors.Rows > 0 && vectors.Dimensions != Dimensions)
        {
            throw new ArgumentException($"the vectors have {vectors.Dimensions} dimensions but the index has {Dimensions}", nameof(vectors));
        }

        _gate.EnterWriteLock();
        try
        {
            var handle = Handle;
            var seen = new HashSet<int>();
            for (var i = 0; i < keys.Count; i++)
            {
                if (keys[i] < 0 || !seen.Add(keys[i]) || ContainsUnlocked(keys[i]))
                {
                    throw new ArgumentException($"key {keys[i]} is negative or already in the index", nameof(keys));
                }
            }

            Reserve(CountUnlocked + keys.Count);
            Parallel.For(0, keys.Count, new ParallelOptions { MaxDegreeOfParallelism = Threads }, i =>
            {
                fixed (float* vector = vectors.Row(i))
                {
                    USearchNative.Add(handle, (ulong)keys[i], vector, USearchNative.ScalarKind.Float32, out var error);
                    USearchNative.Check(error, "add");
                }
            });
        }
        finally
        {
            _gate.ExitWriteLock();
        }
    }

    /// <summary>Removes the vector under <paramref name="key"/>; false when there is none.</summary>
    public bool Remove(int key)
    {
        _gate.EnterWriteLock();
        try
        {
            if (key < 0 || !ContainsUnlocked(key))
            {
                return false;
            }

            var removed = USearchNative.Remove(Handle, (ulong)key, out var error);
            USearchNative.Check(error, "remove");
            return removed > 0;
        }
        finally
        {
            _gate.ExitWriteLock();
        }
    }

    /// <summary>True when a vector is stored under <paramref name="key"/>.</summary>
    public bool Contains(int key)
    {
        _gate.EnterReadLock();
        try
        {
            return key >= 0 && ContainsUnlocked(key);
        }
        finally
        {
            _gate.ExitReadLock();
        }
    }

    /// <summary>
    /// The (approximate) k nearest vectors to each query, best first, searched in parallel (on all cores unless
    /// <see cref="VectorSearchOptions.MaxDegreeOfParallelism"/> limits it) with ef =
    /// max(<see cref="VectorSearchOptions.Ef"/> or <see cref="EfSearch"/>, k).
    /// </summary>
    public SearchHit[][] Search(VectorMatrix queries, int k, VectorSearchOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (queries.Rows > 0 && queries.Dimensions != Dimensions)
        {
            throw new ArgumentException($"the queries have {queries.Dimensions} dimensions but the index has {Dimensions}", nameof(queries));
        }

        var results = new SearchHit[queries.Rows][];
        var count = EnterSearch(options?.Ef ?? EfSearch, k);
        try
        {
            k = Math.Min(k, count);
            if (k == 0)
            {
                Array.Fill(results, []);
                return results;
            }

            var handle = Handle;
            var degree = options?.MaxDegreeOfParallelism is > 0 and var d ? Math.Min(d, Threads) : Threads;
            Parallel.For(
                0,
                queries.Rows,
                new ParallelOptions { MaxDegreeOfParallelism = degree, CancellationToken = cancellationToken },
                () => (Keys: new ulong[k], Distances: new float[k]),
                (q, _, buffers) =>
                {
                    results[q] = SearchOne(handle, queries[q], k, buffers.Keys, buffers.Distances);
                    return buffers;
                },
                _ => { });
            return results;
        }
        finally
        {
            _gate.ExitReadLock();
        }
    }

    /// <summary>
    /// Saves the index to <paramref name="path"/> (USearch's file format; searches may continue meanwhile), under a
    /// temporary name renamed over <paramref name="path"/> when complete: a failed save leaves the old file.
    /// </summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _gate.EnterReadLock();
        try
        {
            Qianru.IO.AtomicFile.WriteFile(path, temp =>
            {
                USearchNative.Save(Handle, temp, out var error);
                USearchNative.Check(error, $"save to {path}");
            });
        }
        finally
        {
            _gate.ExitReadLock();
        }
    }

    /// <summary>Frees the native index. Must not be called while a search is running.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _gate.EnterWriteLock();
        try
        {
            _disposed = true;
            _handle.Dispose();
        }
        finally
        {
            _gate.ExitWriteLock();
        }

        _searchSlots.Dispose();
    }

    /// <summary>Writes the index in USearch's format to <paramref name="destination"/>, passing every byte to <paramref name="onBytes"/> too (a checksum).</summary>
    internal void WriteTo(Stream destination, Action<ReadOnlySpan<byte>>? onBytes = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        _gate.EnterReadLock();
        try
        {
            var length = USearchNative.SerializedLength(Handle, out var error);
            USearchNative.Check(error, "serialized length");
            var buffer = (byte*)NativeMemory.Alloc(length);
            try
            {
                USearchNative.SaveBuffer(Handle, buffer, length, out error);
                USearchNative.Check(error, "save");
                for (nuint at = 0; at < length;)
                {
                    var chunk = new ReadOnlySpan<byte>(buffer + at, (int)Math.Min(length - at, 1u << 24));
                    onBytes?.Invoke(chunk);
                    destination.Write(chunk);
                    at += (nuint)chunk.Length;
                }
            }
            finally
            {
                NativeMemory.Free(buffer);
            }
        }
        finally
        {
            _gate.ExitReadLock();
        }
    }

    /// <summary>Loads an index from <paramref name="length"/> bytes in USearch's format (copied; the buffer may be freed after).</summary>
    /// <exception cref="InvalidDataException">Not a USearch index of a metric Qianru reads.</exception>
    internal static HnswIndex Load(byte* buffer, nuint length, int efSearch, string source)
    {
        var options = default(USearchNative.InitOptions);
        USearchNative.MetadataBuffer(buffer, length, ref options, out var error);
        if (error != IntPtr.Zero)
        {
            throw new InvalidDataException($"{source}: not a readable USearch index ({Marshal.PtrToStringUTF8(error)})");
        }

        var metric = ToMetric(options.MetricKind, source);
        WithSearchDefaults(ref options, efSearch);
        var handle = Init(ref options);
        try
        {
            USearchNative.LoadBuffer(handle.DangerousGetHandle(), buffer, length, out error);
            if (error != IntPtr.Zero)
            {
                throw new InvalidDataException($"{source}: not a readable USearch index ({Marshal.PtrToStringUTF8(error)})");
            }

            return new HnswIndex(handle, (int)options.Dimensions, metric, efSearch, (int)options.ExpansionSearch);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>USearch's file metadata carries no ef settings; the loaded index gets Qianru's defaults.</summary>
    private static void WithSearchDefaults(ref USearchNative.InitOptions options, int efSearch)
    {
        var defaults = new HnswOptions();
        options.Connectivity = options.Connectivity == 0 ? (nuint)defaults.M : options.Connectivity;
        options.ExpansionAdd = options.ExpansionAdd == 0 ? (nuint)defaults.EfConstruction : options.ExpansionAdd;
        options.ExpansionSearch = (nuint)efSearch;
    }

    private static USearchIndexHandle Init(ref USearchNative.InitOptions options)
    {
        var index = USearchNative.Init(ref options, out var error);
        if (error != IntPtr.Zero || index == IntPtr.Zero)
        {
            if (index != IntPtr.Zero)
            {
                USearchNative.Free(index, out _);
            }

            USearchNative.Check(error, "init");
            throw new QianruException("USearch init: no index was created");
        }

        return new USearchIndexHandle(index);
    }

    private static USearchNative.MetricKind ToKind(SimilarityMetric metric) => metric switch
    {
        SimilarityMetric.Cosine => USearchNative.MetricKind.Cosine,
        SimilarityMetric.Dot => USearchNative.MetricKind.InnerProduct,
        SimilarityMetric.Euclidean => USearchNative.MetricKind.L2Squared,
        _ => throw new NotSupportedException($"the HNSW index does not support the {VectorSimilarity.NameOf(metric)} metric; supported: cosine, dot, euclidean"),
    };

    private static SimilarityMetric ToMetric(USearchNative.MetricKind kind, string source) => kind switch
    {
        USearchNative.MetricKind.Cosine => SimilarityMetric.Cosine,
        USearchNative.MetricKind.InnerProduct => SimilarityMetric.Dot,
        USearchNative.MetricKind.L2Squared => SimilarityMetric.Euclidean,
        _ => throw new InvalidDataException($"{source}: a USearch index of metric kind {(uint)kind}; Qianru reads cosine, inner product and squared L2 indexes"),
    };

    private static USearchNative.ScalarKind ToScalar(HnswPrecision precision) => precision switch
    {
        HnswPrecision.Float32 => USearchNative.ScalarKind.Float32,
        HnswPrecision.Float16 => USearchNative.ScalarKind.Float16,
        HnswPrecision.BFloat16 => USearchNative.ScalarKind.BFloat16,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "unknown HNSW precision"),
    };

    /// <summary>
    /// Takes the read side of the gate with the native ef set to max(<paramref name="ef"/>, k clamped to the count);
    /// changing the native ef takes the write side, so no search runs with another ef. Returns the count.
    /// </summary>
    private int EnterSearch(int ef, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ef, 1);

        // Fast path: the native ef is already the one wanted (searches with one ef run side by side).
        _gate.EnterReadLock();
        int count;
        try
        {
            count = CountUnlocked;
            if (_nativeEf == Math.Max(ef, Math.Min(k, Math.Max(count, 1))))
            {
                return count; // the caller exits the read lock
            }
        }
        catch
        {
            _gate.ExitReadLock();
            throw;
        }

        _gate.ExitReadLock();
        _gate.EnterUpgradeableReadLock();
        try
        {
            count = CountUnlocked;
            var wanted = Math.Max(ef, Math.Min(k, Math.Max(count, 1)));
            if (wanted != _nativeEf)
            {
                _gate.EnterWriteLock();
                try
                {
                    USearchNative.ChangeExpansionSearch(Handle, (nuint)wanted, out var error);
                    USearchNative.Check(error, "change expansion_search");
                    _nativeEf = wanted;
                }
                finally
                {
                    _gate.ExitWriteLock();
                }
            }

            _gate.EnterReadLock();
            return count;
        }
        finally
        {
            _gate.ExitUpgradeableReadLock();
        }
    }

    private void Reserve(int capacity)
    {
        var handle = Handle;
        USearchNative.Reserve(handle, (nuint)capacity, out var error);
        USearchNative.Check(error, "reserve");
        USearchNative.ChangeThreadsAdd(handle, (nuint)Threads, out error);
        USearchNative.Check(error, "change threads_add");
        USearchNative.ChangeThreadsSearch(handle, (nuint)Threads, out error);
        USearchNative.Check(error, "change threads_search");
    }

    private bool ContainsUnlocked(int key)
    {
        var found = USearchNative.Contains(Handle, (ulong)key, out var error);
        USearchNative.Check(error, "contains");
        return found;
    }

    private SearchHit[] SearchOne(IntPtr handle, ReadOnlySpan<float> query, int k, ulong[] keys, float[] distances)
    {
        nuint found;
        _searchSlots.Wait();
        try
        {
            fixed (float* q = query)
            fixed (ulong* keyBuffer = keys)
            fixed (float* distanceBuffer = distances)
            {
                found = USearchNative.Search(handle, q, USearchNative.ScalarKind.Float32, (nuint)k, keyBuffer, distanceBuffer, out var error);
                USearchNative.Check(error, "search");
            }
        }
        finally
        {
            _searchSlots.Release();
        }

        var hits = new SearchHit[(int)found];
        for (var i = 0; i < hits.Length; i++)
        {
            hits[i] = new SearchHit((int)keys[i], ToScore(distances[i]));
        }

        return hits;
    }

    private float ToScore(float distance) => Metric switch
    {
        SimilarityMetric.Euclidean => MathF.Sqrt(MathF.Max(0, distance)),
        _ => 1 - distance,
    };
}
