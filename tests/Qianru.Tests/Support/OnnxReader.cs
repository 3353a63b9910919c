using System.Runtime.InteropServices;
using System.Text;

namespace Qianru.Tests.Support;

/// <summary>A minimal ONNX protobuf reader for tests: graph nodes and initializers (raw_data or float/int64 fields).</summary>
public static class OnnxReader
{
    public sealed record Node(string Op, string Domain, string[] Inputs, string[] Outputs);

    public sealed record Initializer(string Name, long[] Dims, int DataType, float[]? Floats, long[]? Longs, bool External);

    public sealed record Graph(IReadOnlyList<Node> Nodes, IReadOnlyList<Initializer> Initializers, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs);

    public static Graph Read(byte[] model)
    {
        foreach (var (field, value) in Fields(model))
        {
            if (field == 7)
            {
                return ReadGraph(value);
            }
        }

        throw new InvalidDataException("no graph");
    }

    private static Graph ReadGraph(byte[] graph)
    {
        var nodes = new List<Node>();
        var inits = new List<Initializer>();
        var inputs = new List<string>();
        var outputs = new List<string>();
        foreach (var (field, value) in Fields(graph))
        {
            switch (field)
            {
                case 1:
                    var ins = new List<string>();
                    var outs = new List<string>();
                    string op = "", domain = "";
                    foreach (var (f, v) in Fields(value))
                    {
                        switch (f)
                        {
                            case 1: ins.Add(Encoding.UTF8.GetString(v)); break;
                            case 2: outs.Add(Encoding.UTF8.GetString(v)); break;
                            case 4: op = Encoding.UTF8.GetString(v); break;
                            case 7: domain = Encoding.UTF8.GetString(v); break;
                        }
                    }

                    nodes.Add(new Node(op, domain, [.. ins], [.. outs]));
                    break;
                case 5:
                    inits.Add(ReadTensor(value));
                    break;
                case 11:
                case 12:
                    var name = Fields(value).First(x => x.Field == 1).Value;
                    (field == 11 ? inputs : outputs).Add(Encoding.UTF8.GetString(name));
                    break;
            }
        }

        return new Graph(nodes, inits, inputs, outputs);
    }

    private static Initializer ReadTensor(byte[] tensor)
    {
        var dims = new List<long>();
        var type = 0;
        var name = "";
        byte[]? raw = null;
        var floats = new List<float>();
        var longs = new List<long>();
        var external = false;
        foreach (var (field, value) in Fields(tensor))
        {
            switch (field)
            {
                case 1: dims.AddRange(Varints(value)); break;
                case 2: type = (int)Varints(value)[0]; break;
                case 4: floats.AddRange(MemoryMarshal.Cast<byte, float>(value).ToArray()); break;
                case 7: longs.AddRange(Varints(value)); break;
                case 8: name = Encoding.UTF8.GetString(value); break;
                case 9: raw = value; break;
                case 14: external = Varints(value)[0] == 1; break;
            }
        }

        if (raw is not null)
        {
            if (type == 1)
            {
                floats.AddRange(MemoryMarshal.Cast<byte, float>(raw).ToArray());
            }
            else if (type == 7)
            {
                longs.AddRange(MemoryMarshal.Cast<byte, long>(raw).ToArray());
            }
        }

        return new Initializer(name, [.. dims], type, type == 1 ? [.. floats] : null, type == 7 ? [.. longs] : null, external);
    }

    /// <summary>Fields of a message; varint and fixed fields are returned as their raw bytes re-encoded as varint bytes (length-delimited as is).</summary>
    private static IEnumerable<(int Field, byte[] Value)> Fields(byte[] message)
    {
        var pos = 0;
        while (pos < message.Length)
        {
            var tag = ReadVarint(message, ref pos);
            var field = (int)(tag >> 3);
            switch (tag & 7)
            {
                case 0:
                    var start = pos;
                    ReadVarint(message, ref pos);
                    yield return (field, message[start..pos]);
                    break;
                case 1:
                    pos += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(message, ref pos);
                    yield return (field, message[pos..(pos + length)]);
                    pos += length;
                    break;
                case 5:
                    pos += 4;
                    break;
                default:
                    throw new InvalidDataException($"wire type {tag & 7}");
            }
        }
    }

    private static long[] Varints(byte[] bytes)
    {
        var result = new List<long>();
        var pos = 0;
        while (pos < bytes.Length)
        {
            result.Add((long)ReadVarint(bytes, ref pos));
        }

        return [.. result];
    }

    private static ulong ReadVarint(byte[] bytes, ref int pos)
    {
        ulong value = 0;
        var shift = 0;
        while (true)
        {
            var b = bytes[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }

            shift += 7;
        }
    }
}
