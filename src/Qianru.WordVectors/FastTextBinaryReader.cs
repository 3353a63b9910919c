using System.Numerics.Tensors;
using System.Text;

namespace Qianru.WordVectors;

/// <summary>
/// Reads a fastText model file (<c>.bin</c>, as <c>fasttext skipgram|cbow</c> and Facebook's cc.*.300.bin write it):
/// the arguments, the dictionary and the input matrix, which holds one row per word and <c>bucket</c> rows of
/// character n-gram vectors. A word's vector is the mean of its own row and its n-gram rows (fastText's
/// getWordVector), so words outside the vocabulary get vectors too. Quantized models (<c>.ftz</c>) are refused.
/// </summary>
internal static class FastTextBinaryReader
{
    public const int Magic = 793712314;
    private const int Version = 12;
    private const int MaxDimensions = 1 << 16;
    private const int MaxNgram = 1000;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static bool HasMagic(ReadOnlySpan<byte> head) =>
        head.Length >= 8 && BitConverter.ToInt32(head) == Magic;

    public static KeyedVectors Read(Stream stream, string name, int? limit, CancellationToken cancellationToken = default)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            if (reader.ReadInt32() != Magic)
            {
                throw new InvalidDataException($"{name}: not a fastText model file (wrong magic number)");
            }

            var version = reader.ReadInt32();
            if (version > Version)
            {
                throw new InvalidDataException($"{name}: fastText model version {version}; Qianru reads versions up to {Version}");
            }

            // Args: dim, ws, epoch, minCount, neg, wordNgrams, loss, model, bucket, minn, maxn, lrUpdateRate, t.
            var dim = reader.ReadInt32();
            reader.ReadBytes(4 * 7);
            var bucket = reader.ReadInt32();
            var minN = reader.ReadInt32();
            var maxN = reader.ReadInt32();
            reader.ReadInt32();
            reader.ReadDouble();
            if (dim < 1 || dim > MaxDimensions || bucket < 0 || minN < 0 || maxN < 0 || maxN > MaxNgram)
            {
                throw new InvalidDataException($"{name}: invalid fastText arguments (dim {dim}, bucket {bucket}, minn {minN}, maxn {maxN})");
            }

            // Dictionary: size, nwords, nlabels, ntokens, pruneidx size, then (word\0, count, type) entries.
            var size = reader.ReadInt32();
            var nwords = reader.ReadInt32();
            reader.ReadInt32();
            reader.ReadInt64();
            var pruned = reader.ReadInt64();
            if (size < 0 || nwords < 0 || nwords > size)
            {
                throw new InvalidDataException($"{name}: invalid fastText dictionary ({size} entries, {nwords} words)");
            }

            // Each entry is at least a NUL, an 8-byte count and a type byte: a count the file cannot hold is damage.
            if (Remaining(stream) is { } left && (long)size * 10 > left)
            {
                throw new InvalidDataException($"{name}: the fastText dictionary claims {size} entries but only {left} bytes follow (truncated or damaged file)");
            }

            var words = new string[nwords];
            var counts = new long[nwords];
            var bytes = new List<byte>(64);
            for (var i = 0; i < size; i++)
            {
                if ((i & 1023) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                bytes.Clear();
                for (var b = reader.ReadByte(); b != 0; b = reader.ReadByte())
                {
                    bytes.Add(b);
                }

                var count = reader.ReadInt64();
                var type = reader.ReadSByte();
                if (i < nwords)
                {
                    words[i] = DecodeWord(bytes, name, i);
                    counts[i] = count;
                    if (type != 0)
                    {
                        throw new InvalidDataException($"{name}: dictionary entry {i} is a label among the words");
                    }
                }
            }

            if (pruned > 0)
            {
                throw new NotSupportedException($"{name}: a pruned (quantized, .ftz) fastText model; Qianru reads full .bin models, or the .vec file");
            }

            if (reader.ReadBoolean())
            {
                throw new NotSupportedException($"{name}: a quantized fastText model (.ftz); Qianru reads full .bin models, or the .vec file");
            }

            var rows = reader.ReadInt64();
            var columns = reader.ReadInt64();
            if (columns != dim || rows != (long)nwords + bucket)
            {
                throw new InvalidDataException($"{name}: the input matrix is {rows} × {columns}; the arguments say {(long)nwords + bucket} × {dim}");
            }

            // Word rows, then n-gram rows, read in chunks (a real model's matrix is several GB); checked against the
            // file's length before they are allocated.
            var floats = ((long)nwords + bucket) * dim;
            if ((long)nwords * dim > Array.MaxLength || (long)bucket * dim > Array.MaxLength)
            {
                throw new InvalidDataException($"{name}: the input matrix of {rows} × {columns} is larger than Qianru reads ({Array.MaxLength} floats per part)");
            }

            if (Remaining(stream) is { } matrixBytes && floats * sizeof(float) > matrixBytes)
            {
                throw new InvalidDataException($"{name}: the input matrix of {rows} × {columns} needs {floats * sizeof(float)} bytes but only {matrixBytes} follow (truncated or damaged file)");
            }

            var keep = limit is { } l ? Math.Min(l, nwords) : nwords;
            var vectors = new float[(long)nwords * dim];
            var ngrams = new float[(long)bucket * dim];
            ReadFloats(stream, vectors, name, cancellationToken);
            ReadFloats(stream, ngrams, name, cancellationToken);
            Parallel.For(0, keep, i =>
            {
                var target = vectors.AsSpan((int)((long)i * dim), dim);
                var buckets = maxN > 0 && bucket > 0 ? SubwordModel.NgramBuckets(words[i], minN, maxN, bucket) : [];
                foreach (var b in buckets)
                {
                    TensorPrimitives.Add(target, ngrams.AsSpan((int)((long)b * dim), dim), target);
                }

                TensorPrimitives.Divide(target, 1 + buckets.Length, target);
            });

            if (keep < nwords)
            {
                Array.Resize(ref vectors, keep * dim);
            }

            var subwords = maxN > 0 && bucket > 0 ? new SubwordModel(minN, maxN, bucket, FloatMatrix.FromArray(ngrams, dim)) : null;
            return KeyedVectors.FromData(new KeyedVectorsData(words[..keep], vectors, dim, counts[..keep]), subwords);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{name}: truncated fastText model file", e);
        }
    }

    private static long? Remaining(Stream stream) => stream.CanSeek ? stream.Length - stream.Position : null;

    private static string DecodeWord(List<byte> bytes, string name, int index)
    {
        try
        {
            return StrictUtf8.GetString([.. bytes]);
        }
        catch (DecoderFallbackException)
        {
            throw new InvalidDataException($"{name}: dictionary word {index + 1} is not valid UTF-8 (bytes {Convert.ToHexString([.. bytes.Take(16)])})");
        }
    }

    private static void ReadFloats(Stream stream, float[] destination, string name, CancellationToken cancellationToken)
    {
        const int Chunk = 1 << 20;
        for (long offset = 0; offset < destination.LongLength; offset += Chunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = (int)Math.Min(Chunk, destination.LongLength - offset);
            var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(destination.AsSpan((int)offset, count));
            if (stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false) < bytes.Length)
            {
                throw new InvalidDataException($"{name}: truncated fastText model file: the input matrix ends early");
            }

            var values = destination.AsSpan((int)offset, count);
            for (var i = 0; i < values.Length; i++)
            {
                if (!float.IsFinite(values[i]))
                {
                    throw new InvalidDataException($"{name}: the input matrix holds {(float.IsNaN(values[i]) ? "NaN" : "infinity")} (value {offset + i}); only finite values are allowed");
                }
            }
        }
    }
}
