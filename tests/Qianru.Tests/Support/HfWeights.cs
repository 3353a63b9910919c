using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Qianru.Models;

namespace Qianru.Tests.Support;

/// <summary>
/// Hugging Face weights made from the embedded MiniLM's own ONNX: its initializers mapped back to transformers'
/// BertModel names (MatMul weights transposed to torch's [out, in]), and writers for model.safetensors and
/// pytorch_model.bin in the formats transformers saves.
/// </summary>
public static class HfWeights
{
    public sealed record Tensor(string Name, long[] Shape, float[]? Floats, long[]? Longs = null);

    private static readonly Lazy<IReadOnlyList<Tensor>> LazyMiniLm = new(() => FromOnnx(EmbeddedModels.ReadOnnx(EmbeddedModels.MiniLM)));

    /// <summary>all-MiniLM-L6-v2 as BertModel's state dict (plus embeddings.position_ids, an int64 buffer).</summary>
    public static IReadOnlyList<Tensor> MiniLm => LazyMiniLm.Value;

    /// <summary>A copy with every float rounded to F16 or BF16 (round to nearest even) and back.</summary>
    public static IReadOnlyList<Tensor> Rounded(IReadOnlyList<Tensor> tensors, string dtype) =>
        [.. tensors.Select(t => t.Floats is null ? t : t with { Floats = [.. t.Floats.Select(f => dtype == "F16" ? (float)(Half)f : BFloat16ToFloat(FloatToBFloat16(f)))] })];

    /// <summary>Writes model.safetensors with F32, F16 or BF16 floats (int64 tensors stay I64).</summary>
    public static void WriteSafetensors(string path, IReadOnlyList<Tensor> tensors, string dtype = "F32", string prefix = "")
    {
        var header = new Dictionary<string, object>();
        var blobs = new List<byte[]>();
        long offset = 0;
        foreach (var t in tensors)
        {
            byte[] data;
            string dt;
            if (t.Longs is not null)
            {
                data = MemoryMarshal.AsBytes(t.Longs.AsSpan()).ToArray();
                dt = "I64";
            }
            else if (dtype == "F32")
            {
                data = MemoryMarshal.AsBytes(t.Floats.AsSpan()).ToArray();
                dt = "F32";
            }
            else
            {
                var bits = t.Floats!.Select(f => dtype == "F16" ? BitConverter.HalfToUInt16Bits((Half)f) : FloatToBFloat16(f)).ToArray();
                data = MemoryMarshal.AsBytes(bits.AsSpan()).ToArray();
                dt = dtype;
            }

            header[prefix + t.Name] = new { dtype = dt, shape = t.Shape, data_offsets = new[] { offset, offset + data.Length } };
            blobs.Add(data);
            offset += data.Length;
        }

        header["__metadata__"] = new { format = "pt" };
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        var padded = new byte[(json.Length + 7) / 8 * 8];
        Array.Fill(padded, (byte)' ');
        json.CopyTo(padded, 0);
        using var file = File.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded.Length);
        file.Write(length);
        file.Write(padded);
        foreach (var blob in blobs)
        {
            file.Write(blob);
        }
    }

    /// <summary>Writes pytorch_model.bin as torch.save does (zip: archive/data.pkl, archive/data/N, archive/version), protocol-2 pickle.</summary>
    public static void WriteTorchBin(string path, IReadOnlyList<Tensor> tensors, string prefix = "")
    {
        var pickle = new PickleWriter();
        pickle.Proto();
        pickle.Global("collections", "OrderedDict");
        pickle.Op(')');
        pickle.Op('R');
        pickle.Op('(');
        for (var i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i];
            pickle.Unicode(prefix + t.Name);
            pickle.Global("torch._utils", "_rebuild_tensor_v2");
            pickle.Op('(');
            pickle.Op('(');
            pickle.Unicode("storage");
            pickle.Global("torch", t.Longs is null ? "FloatStorage" : "LongStorage");
            pickle.Unicode(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            pickle.Unicode("cpu");
            pickle.Int(t.Longs?.Length ?? t.Floats!.Length);
            pickle.Op('t');
            pickle.Op('Q');
            pickle.Int(0);
            pickle.Tuple(t.Shape);
            pickle.Tuple(Strides(t.Shape));
            pickle.Op('\u0089'); // False
            pickle.Global("collections", "OrderedDict");
            pickle.Op(')');
            pickle.Op('R');
            pickle.Op('t');
            pickle.Op('R');
        }

        pickle.Op('u');
        pickle.Op('.');

        using var zip = new ZipArchive(File.Create(path), ZipArchiveMode.Create);
        Write(zip, "archive/data.pkl", pickle.ToArray());
        for (var i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i];
            Write(zip, $"archive/data/{i}", t.Longs is not null ? MemoryMarshal.AsBytes(t.Longs.AsSpan()).ToArray() : MemoryMarshal.AsBytes(t.Floats.AsSpan()).ToArray());
        }

        Write(zip, "archive/version", "3\n"u8.ToArray());
    }

    /// <summary>A zip whose data.pkl is the given pickle bytes (for the refusal tests).</summary>
    public static void WriteTorchBinWithPickle(string path, byte[] pickle)
    {
        using var zip = new ZipArchive(File.Create(path), ZipArchiveMode.Create);
        Write(zip, "archive/data.pkl", pickle);
        Write(zip, "archive/version", "3\n"u8.ToArray());
    }

    public static ushort FloatToBFloat16(float f)
    {
        var bits = BitConverter.SingleToUInt32Bits(f);
        var rounding = 0x7FFFu + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }

    public static float BFloat16ToFloat(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    private static long[] Strides(long[] shape)
    {
        var strides = new long[shape.Length];
        var s = 1L;
        for (var d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = s;
            s *= shape[d];
        }

        return strides;
    }

    private static void Write(ZipArchive zip, string name, byte[] bytes)
    {
        using var stream = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
        stream.Write(bytes);
    }

    private static IReadOnlyList<Tensor> FromOnnx(byte[] onnx)
    {
        // The library's own ONNX reader (Qianru.Onnx, which the quantizer uses), not a second one for tests.
        var graph = Qianru.Onnx.ModelProto.Parse(onnx).Graph ?? throw new InvalidDataException("the embedded export has no graph");
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var result = new List<Tensor>();
        foreach (var t in graph.Initializer)
        {
            if (t.Name.StartsWith("embeddings.", StringComparison.Ordinal) || t.Name.StartsWith("encoder.", StringComparison.Ordinal))
            {
                result.Add(t.Name == "embeddings.position_ids" ? new Tensor(t.Name, [.. t.Dims], null, Longs(t)) : new Tensor(t.Name, [.. t.Dims], Floats(t)));
            }
        }

        // MatMul(x, W[in, out]) followed by Add(bias) with an HF bias name: the weight is that name's .weight, as [out, in].
        foreach (var matmul in graph.Node.Where(n => n.OpType == "MatMul" && initializers.ContainsKey(n.Input[1])))
        {
            var add = graph.Node.Single(n => n.OpType == "Add" && n.Input.Contains(matmul.Output[0]));
            var bias = add.Input.Single(i => i != matmul.Output[0]);
            var w = initializers[matmul.Input[1]];
            var (rows, cols) = ((int)w.Dims[0], (int)w.Dims[1]);
            var floats = Floats(w);
            var transposed = new float[rows * cols];
            for (var r = 0; r < rows; r++)
            {
                for (var c = 0; c < cols; c++)
                {
                    transposed[(c * rows) + r] = floats[(r * cols) + c];
                }
            }

            result.Add(new Tensor(bias[..^"bias".Length] + "weight", [cols, rows], transposed));
        }

        return result;

        static float[] Floats(Qianru.Onnx.TensorProto t) =>
            t.RawData.Length > 0 ? MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray() : [.. t.FloatData];

        static long[] Longs(Qianru.Onnx.TensorProto t) =>
            t.DataType == Qianru.Onnx.TensorDataType.Int64 && t.RawData.Length > 0
                ? MemoryMarshal.Cast<byte, long>(t.RawData.Span).ToArray()
                : throw new InvalidDataException($"{t.Name}: expected int64 raw data");
    }

    private sealed class PickleWriter
    {
        private readonly List<byte> _bytes = [];

        public void Proto() => _bytes.AddRange([0x80, 2]);

        public void Op(char op) => _bytes.Add((byte)op);

        public void Global(string module, string name) => _bytes.AddRange(Encoding.UTF8.GetBytes($"c{module}\n{name}\n"));

        public void Unicode(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            _bytes.Add((byte)'X');
            _bytes.AddRange(BitConverter.GetBytes(bytes.Length));
            _bytes.AddRange(bytes);
        }

        public void Int(long value)
        {
            if (value is >= 0 and < 256)
            {
                _bytes.AddRange([(byte)'K', (byte)value]);
            }
            else
            {
                _bytes.Add((byte)'J');
                _bytes.AddRange(BitConverter.GetBytes(checked((int)value)));
            }
        }

        public void Tuple(long[] values)
        {
            Op('(');
            foreach (var v in values)
            {
                Int(v);
            }

            Op('t');
        }

        public byte[] ToArray() => [.. _bytes];
    }
}
