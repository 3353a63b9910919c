using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Security.Cryptography;
using Qianru.IO;
using Qianru.Search;
using Qianru.Similarity;

namespace Qianru.Collections;

/// <summary>
/// The index lifecycle of a collection searched in-process: the stored vectors as an <see cref="ExactIndex"/>, and an
/// <see cref="HnswIndex"/> kept in a rebuildable cache file beside the database, both tied to the generation they
/// were built at.
/// </summary>
/// <remarks>
/// <para>The cache file is one file: an 88-byte header (magic <c>QIANRUHN</c>, format version, the collection's id,
/// generation and item count, the payload's length and SHA-256) and USearch's serialized index. It is written to a
/// temporary file and renamed into place, and read only after its checksum matches: a file that is truncated,
/// corrupted, of another collection or of another generation is never searched, and is rebuilt from the stored
/// vectors. When the folder cannot be written, the rebuilt index serves from memory.</para>
/// <para>HNSW hits are rescored by the caller with the stored float32 vectors (the index stores float16).</para>
/// </remarks>
internal sealed unsafe class CollectionIndexCache : IDisposable
{
    private const int HeaderLength = 88;
    private const uint FormatVersion = 1;
    private static readonly byte[] Magic = "QIANRUHN"u8.ToArray();

    /// <summary>M, ef_construction and precision of collection indexes.</summary>
    private static readonly HnswOptions BuildOptions = new() { M = 16, EfConstruction = 128, EfSearch = CollectionSearchOptions.DefaultEf };

    private readonly Guid _collectionId;
    private readonly SimilarityMetric _metric;
    private readonly int _dimensions;
    private readonly Func<(long Generation, long[] Keys, VectorMatrix Vectors)> _loadVectors;
    private (long Generation, long[] Keys, ExactIndex Index)? _exact;
    private (long Generation, HnswIndex Index)? _hnsw;

    public CollectionIndexCache(string path, Guid collectionId, SimilarityMetric metric, int dimensions, Func<(long Generation, long[] Keys, VectorMatrix Vectors)> loadVectors)
    {
        Path = path;
        _collectionId = collectionId;
        _metric = metric;
        _dimensions = dimensions;
        _loadVectors = loadVectors;
    }

    /// <summary>The cache file.</summary>
    public string Path { get; }

    /// <summary>Exact search over the stored vectors (loaded once per generation): (key, score) best first.</summary>
    public (long Key, float Score)[] SearchExact(float[] query, int k, long generation)
    {
        if (_exact is not { } exact || exact.Generation != generation)
        {
            var (loaded, keys, vectors) = _loadVectors();
            exact = (loaded, keys, ExactIndex.Create(vectors, _metric));
            _exact = exact;
        }

        var hits = exact.Index.Search(query, k);
        return [.. hits.Select(h => (exact.Keys[h.Id], h.Score))];
    }

    /// <summary>HNSW search (the index loaded or rebuilt for <paramref name="generation"/> first): keys, best first by the index's approximate scores.</summary>
    public long[] SearchHnsw(float[] query, int k, int ef, long generation, long count)
    {
        var index = IndexFor(generation, count);
        return [.. index.Search(query, k, new VectorSearchOptions { Ef = ef }).Select(h => (long)h.Id)];
    }

    /// <summary>Builds the index from the stored vectors and writes the cache file; returns the number of vectors.</summary>
    /// <exception cref="QianruException">No vectors, or the cache file cannot be written.</exception>
    public int Rebuild(string collection)
    {
        var (generation, keys, vectors) = _loadVectors();
        if (vectors.Rows == 0)
        {
            throw new QianruException($"collection {collection} is empty: add texts before building its index");
        }

        var index = Build(keys, vectors, collection);
        _hnsw?.Index.Dispose();
        _hnsw = (generation, index);
        try
        {
            Write(index, generation, vectors.Rows);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new QianruException($"cannot write the index cache {Path} ({e.Message}); searches still work, rebuilding the index in memory");
        }

        return vectors.Rows;
    }

    /// <summary>The cache file's state for the collection at <paramref name="generation"/> with <paramref name="count"/> items (the checksum is verified).</summary>
    public CollectionIndexStatus Status(long generation, long count)
    {
        if (!File.Exists(Path))
        {
            return CollectionIndexStatus.None;
        }

        try
        {
            using var file = MappedFile.Open(Path);
            return Check(file, generation, count) switch
            {
                FileCheck.Valid => CollectionIndexStatus.Fresh,
                FileCheck.OtherGeneration => CollectionIndexStatus.Stale,
                _ => CollectionIndexStatus.Damaged,
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return CollectionIndexStatus.Damaged;
        }
    }

    public void Dispose()
    {
        _hnsw?.Index.Dispose();
        _hnsw = null;
    }

    private HnswIndex IndexFor(long generation, long count)
    {
        if (_hnsw is { } loaded && loaded.Generation == generation)
        {
            return loaded.Index;
        }

        _hnsw?.Index.Dispose();
        _hnsw = null;
        if (TryLoad(generation, count) is { } fromFile)
        {
            _hnsw = (generation, fromFile);
            return fromFile;
        }

        var (built, keys, vectors) = _loadVectors();
        var index = Build(keys, vectors, Path);
        try
        {
            Write(index, built, vectors.Rows);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only folder: the index serves from memory for this instance.
        }

        _hnsw = (built, index);
        return index;
    }

    private HnswIndex Build(long[] keys, VectorMatrix vectors, string collection)
    {
        if (keys.Length > 0 && keys[^1] > int.MaxValue)
        {
            throw new QianruException($"collection {collection} has row ids beyond {int.MaxValue}; the HNSW index cannot key them");
        }

        var index = HnswIndex.Create(_dimensions, new HnswOptions { Metric = _metric, M = BuildOptions.M, EfConstruction = BuildOptions.EfConstruction, EfSearch = BuildOptions.EfSearch });
        try
        {
            if (vectors.Rows > 0)
            {
                index.Add([.. keys.Select(k => (int)k)], vectors);
            }

            return index;
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    private HnswIndex? TryLoad(long generation, long count)
    {
        try
        {
            if (!File.Exists(Path))
            {
                return null;
            }

            using var file = MappedFile.Open(Path);
            if (Check(file, generation, count) != FileCheck.Valid)
            {
                return null;
            }

            return HnswIndex.Load(file.Pointer + HeaderLength, (nuint)(file.Length - HeaderLength), BuildOptions.EfSearch, Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or QianruException)
        {
            return null;
        }
    }

    private FileCheck Check(MappedFile file, long generation, long count)
    {
        if (file.Length < HeaderLength)
        {
            return FileCheck.Damaged;
        }

        var header = new ReadOnlySpan<byte>(file.Pointer, HeaderLength);
        if (!header[..8].SequenceEqual(Magic) || BinaryPrimitives.ReadUInt32LittleEndian(header[8..]) != FormatVersion)
        {
            return FileCheck.Damaged;
        }

        var payloadLength = BinaryPrimitives.ReadInt64LittleEndian(header[48..]);
        if (payloadLength != file.Length - HeaderLength)
        {
            return FileCheck.Damaged;
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (long at = 0; at < payloadLength;)
        {
            var chunk = (int)Math.Min(payloadLength - at, 1 << 24);
            hash.AppendData(new ReadOnlySpan<byte>(file.Pointer + HeaderLength + at, chunk));
            at += chunk;
        }

        if (!hash.GetHashAndReset().AsSpan().SequenceEqual(header[56..88]))
        {
            return FileCheck.Damaged;
        }

        var sameCollection = new Guid(header[24..40]) == _collectionId;
        var sameState = BinaryPrimitives.ReadInt64LittleEndian(header[16..]) == generation && BinaryPrimitives.ReadInt64LittleEndian(header[40..]) == count;
        return sameCollection && sameState ? FileCheck.Valid : FileCheck.OtherGeneration;
    }

    private void Write(HnswIndex index, long generation, long count)
    {
        AtomicFile.Write(Path, stream =>
        {
            stream.Write(new byte[HeaderLength]);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            index.WriteTo(stream, hash.AppendData);
            var header = new byte[HeaderLength];
            Magic.CopyTo(header, 0);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), FormatVersion);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), HeaderLength);
            BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), generation);
            _collectionId.TryWriteBytes(header.AsSpan(24, 16));
            BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(40), count);
            BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(48), stream.Length - HeaderLength);
            hash.GetHashAndReset().CopyTo(header, 56);
            stream.Position = 0;
            stream.Write(header);
        });
        if (File.Exists(Path + ".json"))
        {
            // The sidecar of the pre-checksum cache format.
            File.Delete(Path + ".json");
        }
    }

    private enum FileCheck
    {
        Valid,
        OtherGeneration,
        Damaged,
    }

    /// <summary>A read-only memory map of a whole file.</summary>
    private sealed class MappedFile : IDisposable
    {
        private readonly MemoryMappedFile? _map;
        private readonly MemoryMappedViewAccessor? _view;

        private MappedFile(MemoryMappedFile? map, MemoryMappedViewAccessor? view, byte* pointer, long length)
        {
            _map = map;
            _view = view;
            Pointer = pointer;
            Length = length;
        }

        public byte* Pointer { get; }

        public long Length { get; }

        public static MappedFile Open(string path)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var length = stream.Length;
            if (length == 0)
            {
                return new MappedFile(null, null, null, 0);
            }

            var map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            try
            {
                var view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
                byte* pointer = null;
                view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
                return new MappedFile(map, view, pointer + view.PointerOffset, length);
            }
            catch
            {
                map.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            if (_view is not null)
            {
                _view.SafeMemoryMappedViewHandle.ReleasePointer();
                _view.Dispose();
            }

            _map?.Dispose();
        }
    }
}
