using System.Globalization;
using System.Text;

namespace Qianru.Models.Import;

/// <summary>
/// Reads an ONNX model whose initializers may live in external data files (<c>model.onnx</c> + <c>model.onnx_data</c>,
/// as large exports ship) into one self-contained protobuf: each external tensor gets its bytes as <c>raw_data</c>.
/// For code that works on ONNX bytes (the quantizers); ONNX Runtime itself loads such a model by path.
/// </summary>
/// <remarks>Fields: <see href="https://github.com/onnx/onnx/blob/main/onnx/onnx.proto"/> (ModelProto.graph = 7,
/// GraphProto.initializer = 5, TensorProto.raw_data = 9, external_data = 13, data_location = 14).</remarks>
internal static class OnnxExternalData
{
    /// <summary>The largest model a protobuf can hold.</summary>
    private const long MaxBytes = int.MaxValue - 1024;

    /// <summary>The model's bytes with every external initializer inlined; the file's own bytes when none is external.</summary>
    public static byte[] ReadInlined(string onnxPath)
    {
        var bytes = File.ReadAllBytes(onnxPath);
        return HasExternal(bytes) ? Inline(bytes, onnxPath) : bytes;
    }

    private static bool HasExternal(byte[] model)
    {
        foreach (var (field, _, start, end, _) in Fields(model, 0, model.Length))
        {
            if (field == 7)
            {
                foreach (var (f, _, s, e, _) in Fields(model, start, end))
                {
                    if (f == 5 && Fields(model, s, e).Any(x => x.Field == 14 && Varint(model, x.Start) == 1))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private static byte[] Inline(byte[] model, string onnxPath)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(onnxPath))!;
        var output = new ProtoMessage();
        foreach (var (field, _, start, end, tag) in Fields(model, 0, model.Length))
        {
            if (field != 7)
            {
                output.Raw(model.AsSpan(tag, end - tag));
                continue;
            }

            var graph = new ProtoMessage();
            foreach (var (f, w, s, e, t) in Fields(model, start, end))
            {
                if (f == 5 && w == 2 && Fields(model, s, e).Any(x => x.Field == 14 && Varint(model, x.Start) == 1))
                {
                    graph.Message(5, InlineTensor(model, s, e, folder, onnxPath));
                }
                else
                {
                    graph.Raw(model.AsSpan(t, e - t));
                }
            }

            output.Message(7, graph);
        }

        if (output.Length > MaxBytes)
        {
            throw new QianruException($"{onnxPath}: {output.Length / 1_000_000} MB with its external data, over the 2 GB a single ONNX protobuf can hold; Qianru cannot rewrite (quantize) a model this large.");
        }

        return output.ToArray();
    }

    private static ProtoMessage InlineTensor(byte[] model, int start, int end, string folder, string onnxPath)
    {
        var tensor = new ProtoMessage();
        string? location = null, name = null;
        long offset = 0, length = -1;
        foreach (var (f, _, s, e, t) in Fields(model, start, end))
        {
            if (f == 13)
            {
                string? key = null, value = null;
                foreach (var (kf, _, ks, ke, _) in Fields(model, s, e))
                {
                    var text = Encoding.UTF8.GetString(model, ks, ke - ks);
                    (key, value) = kf == 1 ? (text, value) : (key, text);
                }

                switch (key)
                {
                    case "location": location = value; break;
                    case "offset": offset = long.Parse(value!, CultureInfo.InvariantCulture); break;
                    case "length": length = long.Parse(value!, CultureInfo.InvariantCulture); break;
                }
            }
            else if (f != 14)
            {
                if (f == 8)
                {
                    name = Encoding.UTF8.GetString(model, s, e - s);
                }

                tensor.Raw(model.AsSpan(t, e - t));
            }
        }

        var path = location is null ? null : Path.GetFullPath(Path.Combine(folder, location));
        if (path is null || !path.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(path))
        {
            throw new QianruException($"{onnxPath}: initializer {name} keeps its data in '{location}', which is not a file beside the model.");
        }

        var fileLength = new FileInfo(path).Length;
        length = length < 0 ? fileLength - offset : length;
        if (offset < 0 || length < 0 || offset + length > fileLength || length > MaxBytes)
        {
            throw new InvalidDataException($"{path}: initializer {name} claims bytes {offset}-{offset + length}, outside the file ({fileLength} bytes).");
        }

        var data = new byte[length];
        using (var handle = File.OpenHandle(path))
        {
            for (var done = 0; done < data.Length;)
            {
                var n = RandomAccess.Read(handle, data.AsSpan(done), offset + done);
                done += n > 0 ? n : throw new InvalidDataException($"{path}: ends early.");
            }
        }

        return tensor.Bytes(9, data);
    }

    /// <summary>The fields of a message in bytes [start, end): number, wire type, and the value's range (for length-delimited fields, the payload; otherwise the whole value).</summary>
    private static IEnumerable<(int Field, int Wire, int Start, int End, int TagStart)> Fields(byte[] bytes, int start, int end)
    {
        var pos = start;
        while (pos < end)
        {
            var tagStart = pos;
            var tag = Varint(bytes, ref pos);
            var field = (int)(tag >> 3);
            var wire = (int)(tag & 7);
            switch (wire)
            {
                case 0:
                {
                    var s = pos;
                    Varint(bytes, ref pos);
                    yield return (field, wire, s, pos, tagStart);
                    break;
                }

                case 1:
                    pos += 8;
                    yield return (field, wire, pos - 8, pos, tagStart);
                    break;
                case 2:
                {
                    var length = (long)Varint(bytes, ref pos);
                    if (length < 0 || length > end - pos)
                    {
                        throw new InvalidDataException($"ONNX protobuf: field {field} at byte {tagStart} claims {length} bytes, past the end of its message.");
                    }

                    yield return (field, wire, pos, pos + (int)length, tagStart);
                    pos += (int)length;
                    break;
                }

                case 5:
                    pos += 4;
                    yield return (field, wire, pos - 4, pos, tagStart);
                    break;
                default:
                    throw new InvalidDataException($"ONNX protobuf: wire type {wire} at byte {tagStart}; not an ONNX model.");
            }

            if (pos > end)
            {
                throw new InvalidDataException("ONNX protobuf: a field runs past the end of its message.");
            }
        }
    }

    private static ulong Varint(byte[] bytes, int pos) => Varint(bytes, ref pos);

    private static ulong Varint(byte[] bytes, ref int pos)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (pos >= bytes.Length)
            {
                throw new InvalidDataException("ONNX protobuf: a varint runs past the end of the file.");
            }

            var b = bytes[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException("ONNX protobuf: a varint longer than 10 bytes.");
    }
}
