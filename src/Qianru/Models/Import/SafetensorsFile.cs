using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace Qianru.Models.Import;

/// <summary>
/// One <c>.safetensors</c> file: an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
/// shape and byte range, then the raw data. The header is checked completely (size, JSON, dtypes, byte counts,
/// ranges inside the file, no overlaps) before anything is read, and tensors are read with positioned reads.
/// </summary>
/// <remarks>Format: <see href="https://github.com/huggingface/safetensors#format"/>.</remarks>
internal sealed class SafetensorsFile : IDisposable
{
    /// <summary>The largest header accepted, as the safetensors library limits it.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private readonly SafeFileHandle _handle;
    private readonly Dictionary<string, (WeightTensor Tensor, long Offset)> _tensors;

    private SafetensorsFile(string path, SafeFileHandle handle, Dictionary<string, (WeightTensor, long)> tensors)
    {
        Path = path;
        _handle = handle;
        _tensors = tensors;
    }

    public string Path { get; }

    public IEnumerable<WeightTensor> Tensors => _tensors.Values.Select(t => t.Tensor);

    public static SafetensorsFile Open(string path)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            return new SafetensorsFile(path, handle, ReadHeader(path, handle));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public void ReadFloats(string name, long start, Span<float> destination)
    {
        var (tensor, offset) = _tensors[name];
        var size = WeightSource.ElementSize(tensor.DType);
        if (start < 0 || start + destination.Length > tensor.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(start));
        }

        var position = offset + (start * size);
        if (tensor.DType == "F32")
        {
            ReadExactly(MemoryMarshal.AsBytes(destination), position);
            return;
        }

        const int Chunk = 1 << 20;
        var buffer = ArrayPool<byte>.Shared.Rent(Chunk * size);
        try
        {
            for (var done = 0; done < destination.Length; done += Chunk)
            {
                var n = Math.Min(Chunk, destination.Length - done);
                var bytes = buffer.AsSpan(0, n * size);
                ReadExactly(bytes, position + ((long)done * size));
                WeightSource.ConvertToFloat(tensor.DType, bytes, destination.Slice(done, n));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Dispose() => _handle.Dispose();

    private void ReadExactly(Span<byte> destination, long position)
    {
        while (destination.Length > 0)
        {
            var n = RandomAccess.Read(_handle, destination, position);
            if (n <= 0)
            {
                throw new InvalidDataException($"{Path}: ends early at byte {position}; the file changed or is truncated.");
            }

            destination = destination[n..];
            position += n;
        }
    }

    private static Dictionary<string, (WeightTensor, long)> ReadHeader(string path, SafeFileHandle handle)
    {
        var fileLength = RandomAccess.GetLength(handle);
        Span<byte> prefix = stackalloc byte[8];
        if (fileLength < 8 || RandomAccess.Read(handle, prefix, 0) != 8)
        {
            throw new InvalidDataException($"{path}: {fileLength} bytes, too short for a safetensors file (8-byte header length, JSON header, data).");
        }

        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderBytes)
        {
            throw new InvalidDataException($"{path}: the safetensors header claims {headerLength} bytes, over the {MaxHeaderBytes / 1_000_000} MB limit; not a safetensors file or corrupt.");
        }

        if ((long)headerLength > fileLength - 8)
        {
            throw new InvalidDataException($"{path}: the safetensors header claims {headerLength} bytes but the file has only {fileLength - 8} after the length; truncated or not a safetensors file.");
        }

        var header = new byte[headerLength];
        if (RandomAccess.Read(handle, header, 8) != header.Length)
        {
            throw new InvalidDataException($"{path}: cannot read the {headerLength}-byte safetensors header.");
        }

        var dataStart = 8 + (long)headerLength;
        var dataLength = fileLength - dataStart;
        if (!System.Text.Unicode.Utf8.IsValid(header))
        {
            throw new InvalidDataException($"{path}: the safetensors header is not valid UTF-8 JSON.");
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: the safetensors header is not JSON ({ex.Message}).", ex);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{path}: the safetensors header is JSON {doc.RootElement.ValueKind}, not an object of tensors.");
            }

            var tensors = new Dictionary<string, (WeightTensor, long)>(StringComparer.Ordinal);
            var ranges = new List<(long Begin, long End, string Name)>();
            foreach (var entry in doc.RootElement.EnumerateObject())
            {
                if (entry.Name == "__metadata__")
                {
                    continue;
                }

                var name = entry.Name;
                var e = entry.Value;
                string Where() => $"{path}: tensor {name}";
                if (e.ValueKind != JsonValueKind.Object
                    || !e.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String
                    || !e.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array
                    || !e.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
                {
                    throw new InvalidDataException($"{Where()}: needs dtype (string), shape (array) and data_offsets ([begin, end]) in the header.");
                }

                var dtype = dt.GetString()!;
                var size = WeightSource.ElementSize(dtype);
                if (size == 0)
                {
                    throw new InvalidDataException($"{Where()}: unknown dtype {dtype}; safetensors dtypes are F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL, ….");
                }

                var shape = new long[sh.GetArrayLength()];
                var count = 1L;
                var i = 0;
                foreach (var d in sh.EnumerateArray())
                {
                    if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out var dim) || dim < 0 || (dim > 0 && count > long.MaxValue / size / dim))
                    {
                        throw new InvalidDataException($"{Where()}: shape {sh.GetRawText()} is not a list of non-negative sizes.");
                    }

                    shape[i++] = dim;
                    count *= dim;
                }

                if (!off[0].TryGetInt64(out var begin) || !off[1].TryGetInt64(out var end) || begin < 0 || end < begin)
                {
                    throw new InvalidDataException($"{Where()}: data_offsets {off.GetRawText()} are not [begin, end] with 0 <= begin <= end.");
                }

                if (end > dataLength)
                {
                    throw new InvalidDataException($"{Where()}: data_offsets [{begin}, {end}] run past the end of the data ({dataLength} bytes after the header); truncated or corrupt.");
                }

                if (count * size != end - begin)
                {
                    throw new InvalidDataException($"{Where()}: {dtype} shape [{string.Join(", ", shape)}] needs {count * size} bytes but data_offsets [{begin}, {end}] hold {end - begin}.");
                }

                if (!tensors.TryAdd(name, (new WeightTensor(name, dtype, shape), dataStart + begin)))
                {
                    throw new InvalidDataException($"{Where()}: named twice in the header.");
                }

                ranges.Add((begin, end, name));
            }

            ranges.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            for (var i = 1; i < ranges.Count; i++)
            {
                if (ranges[i].Begin < ranges[i - 1].End)
                {
                    throw new InvalidDataException($"{path}: tensor {ranges[i].Name} (bytes {ranges[i].Begin}-{ranges[i].End}) overlaps tensor {ranges[i - 1].Name} (bytes {ranges[i - 1].Begin}-{ranges[i - 1].End}); corrupt safetensors header.");
                }
            }

            return tensors;
        }
    }
}
