using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Text;
using Qianru.IO;

namespace Qianru.WordVectors;

/// <summary>
/// Qianru's native word-vector file (.qwv): a 64-byte header, the float32 vectors (64-byte aligned, loaded by memory
/// mapping, so opening costs only the word list), then optional subword vectors, optional counts and the words.
/// </summary>
/// <remarks>
/// Header (little-endian): magic "QIANRUWV", int32 version (1), int32 dim, int64 count, int32 flags (1 counts, 2 subwords),
/// int32 minn, int32 maxn, int32 bucket, int64 words offset, int64 counts offset, int64 subwords offset.
/// Words: per word an int32 byte length and its UTF-8 bytes.
/// </remarks>
internal static unsafe class NativeWordVectors
{
    public static ReadOnlySpan<byte> Magic => "QIANRUWV"u8;

    private const int HeaderSize = 64;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private const int Version = 1;

    public static void Save(KeyedVectors vectors, string path)
    {
        var dim = vectors.Dimensions;
        var subwords = vectors.Subwords;
        var vectorBytes = (long)vectors.Count * dim * 4;
        var subwordOffset = subwords is null ? 0 : Align(HeaderSize + vectorBytes);
        var afterSubwords = subwords is null ? HeaderSize + vectorBytes : subwordOffset + (long)subwords.Bucket * dim * 4;
        var countsOffset = vectors.Counts is null ? 0 : Align(afterSubwords);
        var wordsOffset = Align(vectors.Counts is null ? afterSubwords : countsOffset + (long)vectors.Count * 8);

        AtomicFile.Write(path, stream =>
        {
            Span<byte> header = stackalloc byte[HeaderSize];
            header.Clear();
            Magic.CopyTo(header);
            BinaryPrimitives.WriteInt32LittleEndian(header[8..], Version);
            BinaryPrimitives.WriteInt32LittleEndian(header[12..], dim);
            BinaryPrimitives.WriteInt64LittleEndian(header[16..], vectors.Count);
            BinaryPrimitives.WriteInt32LittleEndian(header[24..], (vectors.Counts is null ? 0 : 1) | (subwords is null ? 0 : 2));
            BinaryPrimitives.WriteInt32LittleEndian(header[28..], subwords?.MinN ?? 0);
            BinaryPrimitives.WriteInt32LittleEndian(header[32..], subwords?.MaxN ?? 0);
            BinaryPrimitives.WriteInt32LittleEndian(header[36..], subwords?.Bucket ?? 0);
            BinaryPrimitives.WriteInt64LittleEndian(header[40..], wordsOffset);
            BinaryPrimitives.WriteInt64LittleEndian(header[48..], countsOffset);
            BinaryPrimitives.WriteInt64LittleEndian(header[56..], subwordOffset);
            stream.Write(header);
            WriteRows(stream, vectors.Matrix, vectors.Count);
            if (subwords is not null)
            {
                Pad(stream, subwordOffset);
                WriteRows(stream, subwords.Vectors, subwords.Bucket);
            }

            if (vectors.Counts is { } counts)
            {
                Pad(stream, countsOffset);
                Span<byte> eight = stackalloc byte[8];
                foreach (var c in counts)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(eight, c);
                    stream.Write(eight);
                }
            }

            Pad(stream, wordsOffset);
            Span<byte> four = stackalloc byte[4];
            foreach (var word in vectors.Words)
            {
                var bytes = System.Text.Encoding.UTF8.GetBytes(word);
                BinaryPrimitives.WriteInt32LittleEndian(four, bytes.Length);
                stream.Write(four);
                stream.Write(bytes);
            }
        });
    }

    public static KeyedVectors Load(string path, int? limit)
    {
        var length = new FileInfo(path).Length;
        if (length < HeaderSize)
        {
            throw new InvalidDataException($"{path}: truncated native word-vector file ({length} bytes, the header alone is {HeaderSize})");
        }

        var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        var view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        var owner = new MappedOwner(file, view);
        try
        {
            byte* basePtr = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePtr);
            owner.Acquired = true;
            basePtr += view.PointerOffset;
            var header = new ReadOnlySpan<byte>(basePtr, HeaderSize);
            if (!header.StartsWith(Magic))
            {
                throw new InvalidDataException($"{path}: not a native word-vector file (no QIANRUWV magic)");
            }

            var version = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
            if (version != Version)
            {
                throw new NotSupportedException($"{path}: native word-vector format version {version} is not supported (only {Version})");
            }

            var dim = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
            var count = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
            var flags = BinaryPrimitives.ReadInt32LittleEndian(header[24..]);
            var minN = BinaryPrimitives.ReadInt32LittleEndian(header[28..]);
            var maxN = BinaryPrimitives.ReadInt32LittleEndian(header[32..]);
            var bucket = BinaryPrimitives.ReadInt32LittleEndian(header[36..]);
            var wordsOffset = BinaryPrimitives.ReadInt64LittleEndian(header[40..]);
            var countsOffset = BinaryPrimitives.ReadInt64LittleEndian(header[48..]);
            var subwordOffset = BinaryPrimitives.ReadInt64LittleEndian(header[56..]);
            // Every size is bounded before it is multiplied, so no product can overflow, and every region must lie
            // inside the file, so nothing is read (or allocated) past what the file holds.
            var hasCounts = (flags & 1) != 0;
            var hasSubwords = (flags & 2) != 0;
            if (dim <= 0 || dim > 1 << 16 || count <= 0 || count > int.MaxValue || wordsOffset < HeaderSize + count * dim * 4 || wordsOffset > length
                || (hasCounts && (countsOffset < HeaderSize || countsOffset > length || count * 8 > length - countsOffset))
                || (hasSubwords && (bucket <= 0 || minN < 1 || maxN < minN || maxN > 1000 || subwordOffset < HeaderSize || subwordOffset > length
                    || (long)bucket * dim * 4 > length - subwordOffset)))
            {
                throw new InvalidDataException($"{path}: corrupt native word-vector header (dim {dim}, count {count}, file {length} bytes)");
            }

            var n = (int)Math.Min(count, limit ?? int.MaxValue);
            var words = new string[n];
            var p = wordsOffset;
            for (var i = 0; i < n; i++)
            {
                if (p + 4 > length)
                {
                    throw new InvalidDataException($"{path}: truncated native word-vector file: word {i + 1} of {count} is missing");
                }

                var len = BinaryPrimitives.ReadInt32LittleEndian(new ReadOnlySpan<byte>(basePtr + p, 4));
                if (len <= 0 || len > length - p - 4)
                {
                    throw new InvalidDataException($"{path}: truncated native word-vector file: word {i + 1} of {count} is cut");
                }

                try
                {
                    words[i] = StrictUtf8.GetString(basePtr + p + 4, len);
                }
                catch (DecoderFallbackException)
                {
                    throw new InvalidDataException($"{path}: word {i + 1} of {count} is not valid UTF-8 (damaged file)");
                }
                p += 4 + len;
            }

            long[]? counts = null;
            if (hasCounts)
            {
                counts = new long[n];
                for (var i = 0; i < n; i++)
                {
                    counts[i] = BinaryPrimitives.ReadInt64LittleEndian(new ReadOnlySpan<byte>(basePtr + countsOffset + i * 8L, 8));
                }
            }

            SubwordModel? subwords = null;
            if (hasSubwords)
            {
                subwords = new SubwordModel(minN, maxN, bucket, FloatMatrix.FromPointer((float*)(basePtr + subwordOffset), bucket, dim));
            }

            var matrix = FloatMatrix.FromPointer((float*)(basePtr + HeaderSize), n, dim);
            return new KeyedVectors(words, matrix, counts, subwords, owner);
        }
        catch
        {
            owner.Dispose();
            throw;
        }
    }

    private static void WriteRows(Stream stream, FloatMatrix matrix, long rows)
    {
        var bytes = new byte[matrix.Columns * 4];
        for (long r = 0; r < rows; r++)
        {
            var row = matrix.Row(r);
            for (var k = 0; k < row.Length; k++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(k * 4), row[k]);
            }

            stream.Write(bytes);
        }
    }

    private static long Align(long offset) => (offset + 63) & ~63L;

    private static void Pad(Stream stream, long offset)
    {
        while (stream.Position < offset)
        {
            stream.WriteByte(0);
        }
    }

    private sealed class MappedOwner(MemoryMappedFile file, MemoryMappedViewAccessor view) : IDisposable
    {
        public bool Acquired { get; set; }

        public void Dispose()
        {
            if (Acquired)
            {
                view.SafeMemoryMappedViewHandle.ReleasePointer();
                Acquired = false;
            }

            view.Dispose();
            file.Dispose();
        }
    }
}
