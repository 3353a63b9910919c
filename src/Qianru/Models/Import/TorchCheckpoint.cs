using System.Buffers;
using System.IO.Compression;

namespace Qianru.Models.Import;

/// <summary>
/// A <c>pytorch_model.bin</c> in torch's zip format (torch ≥ 1.6): <c>PREFIX/data.pkl</c> is a pickled state dict
/// read by <see cref="PickleReader"/> (nothing executed), and each storage is the zip entry <c>PREFIX/data/KEY</c>.
/// Tensors are views of storages with an element offset and strides; both are honoured.
/// </summary>
internal sealed class TorchCheckpoint : WeightSource
{
    private const long MaxPickleBytes = 100_000_000;

    private readonly string _path;
    private readonly FileStream _stream;
    private readonly ZipArchive _zip;
    private readonly string _prefix;
    private readonly Dictionary<string, PickleReader.Tensor> _views = new(StringComparer.Ordinal);
    private Stream? _open;
    private string? _openKey;
    private long _openPosition;

    private TorchCheckpoint(string path, FileStream stream, ZipArchive zip, string prefix)
    {
        _path = path;
        _stream = stream;
        _zip = zip;
        _prefix = prefix;
    }

    public override IReadOnlyDictionary<string, WeightTensor> Tensors { get; } = new Dictionary<string, WeightTensor>(StringComparer.Ordinal);

    public override IReadOnlyList<string> Files => [_path];

    public static TorchCheckpoint Open(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.RandomAccess);
        try
        {
            Span<byte> magic = stackalloc byte[4];
            stream.ReadExactly(magic);
            stream.Position = 0;
            if (!magic.SequenceEqual("PK\u0003\u0004"u8))
            {
                throw new InvalidDataException(magic[0] == 0x80
                    ? $"{path}: a legacy (torch < 1.6) pickle checkpoint; Qianru reads the zip format torch has written since 1.6 and model.safetensors."
                    : $"{path}: not a torch zip checkpoint (no zip signature); Qianru reads pytorch_model.bin as torch.save writes it, or model.safetensors.");
            }

            ZipArchive zip;
            try
            {
                zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            }
            catch (InvalidDataException ex)
            {
                throw new InvalidDataException($"{path}: not a readable zip archive ({ex.Message}).", ex);
            }

            var pickles = zip.Entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1).ToList();
            if (pickles.Count != 1)
            {
                zip.Dispose();
                throw new InvalidDataException($"{path}: {(pickles.Count == 0 ? "no" : "more than one")} PREFIX/data.pkl in the zip; not a torch checkpoint.");
            }

            var prefix = pickles[0].FullName[..^"data.pkl".Length];
            var checkpoint = new TorchCheckpoint(path, stream, zip, prefix);
            try
            {
                checkpoint.ReadIndex(pickles[0]);
            }
            catch
            {
                checkpoint.Dispose();
                throw;
            }

            return checkpoint;
        }
        catch (Exception ex) when (Unnamed(ex, path))
        {
            stream.Dispose();
            throw new InvalidDataException($"{path}: not a readable torch checkpoint ({ex.Message}).", ex);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A damaged zip or pickle surfaces from System.IO.Compression and the stream as exceptions that do not say which
    /// file; those are refused as this file's damage.
    /// </summary>
    private static bool Unnamed(Exception ex, string path) =>
        ex is InvalidDataException or (IOException and not FileNotFoundException and not DirectoryNotFoundException)
        && !ex.Message.Contains(path, StringComparison.Ordinal);

    public override string FileOf(string name) => _path;

    public override void ReadFloats(string name, long start, Span<float> destination)
    {
        try
        {
            ReadFloatsCore(name, start, destination);
        }
        catch (Exception ex) when (Unnamed(ex, _path))
        {
            throw new InvalidDataException($"{_path}: cannot read tensor {name} ({ex.Message}).", ex);
        }
    }

    private void ReadFloatsCore(string name, long start, Span<float> destination)
    {
        var view = _views[name];
        var tensor = Tensors[name];
        var size = ElementSize(tensor.DType);
        if (IsContiguous(view))
        {
            const int Chunk = 1 << 20;
            var buffer = ArrayPool<byte>.Shared.Rent(Chunk * size);
            try
            {
                var stream = Seek(view.Storage.Key, (view.Offset + start) * size);
                for (var done = 0; done < destination.Length; done += Chunk)
                {
                    var n = Math.Min(Chunk, destination.Length - done);
                    var bytes = buffer.AsSpan(0, n * size);
                    stream.ReadExactly(bytes);
                    _openPosition += bytes.Length;
                    ConvertToFloat(tensor.DType, bytes, destination.Slice(done, n));
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            return;
        }

        // A strided view: read the storage span it covers, then gather element by element.
        var (low, high) = Extent(view);
        var span = new byte[(high - low + 1) * size];
        Seek(view.Storage.Key, low * size).ReadExactly(span);
        _openPosition += span.Length;
        var floats = new float[high - low + 1];
        ConvertToFloat(tensor.DType, span, floats);
        var index = new long[view.Shape.Length];
        var linear = start;
        for (var d = view.Shape.Length - 1; d >= 0; d--)
        {
            index[d] = linear % view.Shape[d];
            linear /= view.Shape[d];
        }

        for (var i = 0; i < destination.Length; i++)
        {
            var at = view.Offset - low;
            for (var d = 0; d < index.Length; d++)
            {
                at += index[d] * view.Stride[d];
            }

            destination[i] = floats[at];
            for (var d = index.Length - 1; d >= 0 && ++index[d] == view.Shape[d]; d--)
            {
                index[d] = 0;
            }
        }
    }

    public override void Dispose()
    {
        _open?.Dispose();
        _zip.Dispose();
        _stream.Dispose();
    }

    private void ReadIndex(ZipArchiveEntry pickle)
    {
        if (_zip.GetEntry(_prefix + "byteorder") is { } order)
        {
            using var reader = new StreamReader(order.Open());
            if (reader.ReadToEnd().Trim() is var text && text != "little")
            {
                throw new InvalidDataException($"{_path}: byteorder '{text}'; Qianru reads little-endian checkpoints.");
            }
        }

        if (pickle.Length > MaxPickleBytes)
        {
            throw new InvalidDataException($"{_path}: data.pkl is {pickle.Length} bytes, over {MaxPickleBytes / 1_000_000} MB; not a state dict.");
        }

        var bytes = new byte[pickle.Length];
        using (var s = pickle.Open())
        {
            s.ReadExactly(bytes);
        }

        var root = PickleReader.Load(bytes, $"{_path} ({pickle.FullName})");
        if (root is not PickleReader.Dict dict)
        {
            throw new InvalidDataException($"{_path}: data.pkl holds a {root?.GetType().Name ?? "None"}, not a state dict (name → tensor).");
        }

        var tensors = (Dictionary<string, WeightTensor>)Tensors;
        foreach (var (key, value) in dict.Items)
        {
            if (key is not string name || value is not PickleReader.Tensor view)
            {
                continue;
            }

            var where = $"{_path}: tensor {name}";
            if (view.Shape.Length != view.Stride.Length)
            {
                throw new InvalidDataException($"{where}: {view.Shape.Length} sizes but {view.Stride.Length} strides.");
            }

            var entry = _zip.GetEntry(_prefix + "data/" + view.Storage.Key)
                ?? throw new InvalidDataException($"{where}: its storage {_prefix}data/{view.Storage.Key} is not in the zip.");
            var size = ElementSize(view.Storage.DType);
            if (entry.Length < view.Storage.Count * size)
            {
                throw new InvalidDataException($"{where}: storage {view.Storage.Key} claims {view.Storage.Count} {view.Storage.DType} elements ({view.Storage.Count * size} bytes) but its zip entry has {entry.Length} bytes.");
            }

            var count = view.Shape.Aggregate(1L, (a, b) => a * b);
            if (count > 0)
            {
                var (low, high) = Extent(view);
                if (low < 0 || high >= view.Storage.Count)
                {
                    throw new InvalidDataException($"{where}: offset {view.Offset}, sizes [{string.Join(", ", view.Shape)}] and strides [{string.Join(", ", view.Stride)}] reach element {high}, outside its storage of {view.Storage.Count}.");
                }
            }

            _views[name] = view;
            tensors[name] = new WeightTensor(name, view.Storage.DType, view.Shape);
        }
    }

    private static (long Low, long High) Extent(PickleReader.Tensor view)
    {
        var high = view.Offset;
        for (var d = 0; d < view.Shape.Length; d++)
        {
            high += (view.Shape[d] - 1) * view.Stride[d];
        }

        return (view.Offset, high);
    }

    private static bool IsContiguous(PickleReader.Tensor view)
    {
        var expected = 1L;
        for (var d = view.Shape.Length - 1; d >= 0; d--)
        {
            if (view.Shape[d] != 1 && view.Stride[d] != expected)
            {
                return false;
            }

            expected *= view.Shape[d];
        }

        return true;
    }

    /// <summary>A stream over a storage entry positioned at <paramref name="position"/>; sequential reads reuse it.</summary>
    private Stream Seek(string key, long position)
    {
        if (_open is null || _openKey != key || position < _openPosition)
        {
            _open?.Dispose();
            _open = _zip.GetEntry(_prefix + "data/" + key)!.Open();
            _openKey = key;
            _openPosition = 0;
        }

        if (position > _openPosition)
        {
            if (_open.CanSeek)
            {
                _open.Seek(position - _openPosition, SeekOrigin.Current);
            }
            else
            {
                var skip = ArrayPool<byte>.Shared.Rent(1 << 16);
                try
                {
                    for (var left = position - _openPosition; left > 0;)
                    {
                        var n = _open.Read(skip, 0, (int)Math.Min(skip.Length, left));
                        if (n <= 0)
                        {
                            throw new InvalidDataException($"{_path}: storage {key} ends early.");
                        }

                        left -= n;
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(skip);
                }
            }

            _openPosition = position;
        }

        return _open;
    }
}
