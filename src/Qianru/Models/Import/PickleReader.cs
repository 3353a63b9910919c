using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Qianru.Models.Import;

/// <summary>
/// Reads the <c>data.pkl</c> of a torch zip checkpoint without executing anything: a pickle virtual machine that
/// knows the opcodes torch.save writes and resolves only a whitelist of globals (an ordered dict, the tensor and
/// parameter rebuild functions, and the Float/Half/BFloat16/Long storage types) into plain data. Any other global
/// (<c>os.system</c>, <c>builtins.eval</c>, …) is refused, naming it, before anything else happens.
/// </summary>
/// <remarks>Opcodes: CPython's <c>Lib/pickletools.py</c>; what torch writes: <c>torch/serialization.py</c> (<c>_save</c>, <c>persistent_id</c>).</remarks>
internal static class PickleReader
{
    /// <summary>A whitelisted global, kept as its name.</summary>
    public sealed record Global(string Module, string Name)
    {
        public override string ToString() => $"{Module}.{Name}";
    }

    /// <summary>A storage that a tensor views: its element type (F32, F16, BF16, I64), the zip entry key and its element count.</summary>
    public sealed record Storage(string DType, string Key, long Count);

    /// <summary>A tensor: a view of a storage with an element offset, sizes and strides (in elements).</summary>
    public sealed record Tensor(Storage Storage, long Offset, long[] Shape, long[] Stride);

    /// <summary>A pickled tuple.</summary>
    public sealed record Tuple(object?[] Items);

    /// <summary>A dict (collections.OrderedDict or a plain dict), keys in insertion order.</summary>
    public sealed class Dict
    {
        public List<KeyValuePair<object?, object?>> Items { get; } = [];
    }

    private static readonly Dictionary<string, string?> Allowed = new(StringComparer.Ordinal)
    {
        ["collections.OrderedDict"] = null,
        ["torch._utils._rebuild_tensor_v2"] = null,
        ["torch._utils._rebuild_parameter"] = null,
        ["torch.FloatStorage"] = "F32",
        ["torch.HalfStorage"] = "F16",
        ["torch.BFloat16Storage"] = "BF16",
        ["torch.LongStorage"] = "I64",
    };

    private static readonly object Mark = new();

    /// <summary>Runs the pickle and returns its value.</summary>
    /// <param name="data">The pickle bytes.</param>
    /// <param name="source">The file, for messages.</param>
    public static object? Load(ReadOnlySpan<byte> data, string source)
    {
        var stack = new List<object?>();
        var memo = new Dictionary<long, object?>();
        var pos = 0;

        ReadOnlySpan<byte> Take(ReadOnlySpan<byte> d, long n)
        {
            if (n < 0 || n > d.Length - pos)
            {
                throw Error($"a field of {n} bytes at byte {pos} runs past the end of the pickle ({d.Length} bytes)");
            }

            var slice = d.Slice(pos, (int)n);
            pos += (int)n;
            return slice;
        }

        object? Pop()
        {
            if (stack.Count == 0 || ReferenceEquals(stack[^1], Mark))
            {
                throw Error($"stack underflow at byte {pos}");
            }

            var v = stack[^1];
            stack.RemoveAt(stack.Count - 1);
            return v;
        }

        List<object?> PopMark()
        {
            var i = stack.FindLastIndex(o => ReferenceEquals(o, Mark));
            if (i < 0)
            {
                throw Error($"no MARK on the stack at byte {pos}");
            }

            var items = stack.GetRange(i + 1, stack.Count - i - 1);
            stack.RemoveRange(i, stack.Count - i);
            return items;
        }

        object? Top() => stack.Count > 0 && !ReferenceEquals(stack[^1], Mark) ? stack[^1] : throw Error($"stack underflow at byte {pos}");

        Exception Error(string what) => new InvalidDataException($"{source}: {what}; not a torch checkpoint Qianru can read.");

        while (true)
        {
            if (pos >= data.Length)
            {
                throw Error("the pickle ends without STOP");
            }

            var op = data[pos++];
            switch (op)
            {
                case 0x80: // PROTO
                    Take(data, 1);
                    break;
                case 0x95: // FRAME
                    Take(data, 8);
                    break;
                case (byte)'(':
                    stack.Add(Mark);
                    break;
                case (byte)'.':
                    return Pop();
                case (byte)'0':
                    Pop();
                    break;
                case (byte)'1':
                    PopMark();
                    break;
                case (byte)'2':
                    stack.Add(Top());
                    break;
                case (byte)'N':
                    stack.Add(null);
                    break;
                case 0x88:
                    stack.Add(true);
                    break;
                case 0x89:
                    stack.Add(false);
                    break;
                case (byte)'J':
                    stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(Take(data, 4)));
                    break;
                case (byte)'K':
                    stack.Add((long)Take(data, 1)[0]);
                    break;
                case (byte)'M':
                    stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(data, 2)));
                    break;
                case 0x8a: // LONG1
                    stack.Add(Long(Take(data, Take(data, 1)[0])));
                    break;
                case 0x8b: // LONG4
                    stack.Add(Long(Take(data, BinaryPrimitives.ReadInt32LittleEndian(Take(data, 4)))));
                    break;
                case (byte)'G':
                    stack.Add(BinaryPrimitives.ReadDoubleBigEndian(Take(data, 8)));
                    break;
                case (byte)'X': // BINUNICODE
                    stack.Add(Encoding.UTF8.GetString(Take(data, BinaryPrimitives.ReadUInt32LittleEndian(Take(data, 4)))));
                    break;
                case 0x8c: // SHORT_BINUNICODE
                    stack.Add(Encoding.UTF8.GetString(Take(data, Take(data, 1)[0])));
                    break;
                case 0x8d: // BINUNICODE8
                    stack.Add(Encoding.UTF8.GetString(Take(data, (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(Take(data, 8)), long.MaxValue))));
                    break;
                case (byte)'T': // BINSTRING
                    stack.Add(Encoding.Latin1.GetString(Take(data, BinaryPrimitives.ReadInt32LittleEndian(Take(data, 4)))));
                    break;
                case (byte)'U': // SHORT_BINSTRING
                    stack.Add(Encoding.Latin1.GetString(Take(data, Take(data, 1)[0])));
                    break;
                case (byte)'B': // BINBYTES
                    stack.Add(Take(data, BinaryPrimitives.ReadUInt32LittleEndian(Take(data, 4))).ToArray());
                    break;
                case (byte)'C': // SHORT_BINBYTES
                    stack.Add(Take(data, Take(data, 1)[0]).ToArray());
                    break;
                case (byte)')':
                    stack.Add(new Tuple([]));
                    break;
                case 0x85:
                    stack.Add(new Tuple([Pop()]));
                    break;
                case 0x86:
                {
                    var b = Pop();
                    stack.Add(new Tuple([Pop(), b]));
                    break;
                }

                case 0x87:
                {
                    var c = Pop();
                    var b = Pop();
                    stack.Add(new Tuple([Pop(), b, c]));
                    break;
                }

                case (byte)'t':
                    stack.Add(new Tuple([.. PopMark()]));
                    break;
                case (byte)']':
                    stack.Add(new List<object?>());
                    break;
                case (byte)'l':
                    stack.Add(PopMark());
                    break;
                case (byte)'}':
                    stack.Add(new Dict());
                    break;
                case (byte)'d':
                {
                    var items = PopMark();
                    var dict = new Dict();
                    AddPairs(dict, items);
                    stack.Add(dict);
                    break;
                }

                case (byte)'a':
                {
                    var item = Pop();
                    (Top() as List<object?> ?? throw Error("APPEND to something that is not a list")).Add(item);
                    break;
                }

                case (byte)'e':
                {
                    var items = PopMark();
                    (Top() as List<object?> ?? throw Error("APPENDS to something that is not a list")).AddRange(items);
                    break;
                }

                case (byte)'s':
                {
                    var value = Pop();
                    var key = Pop();
                    (Top() as Dict ?? throw Error("SETITEM on something that is not a dict")).Items.Add(new(key, value));
                    break;
                }

                case (byte)'u':
                {
                    var items = PopMark();
                    AddPairs(Top() as Dict ?? throw Error("SETITEMS on something that is not a dict"), items);
                    break;
                }

                case (byte)'q':
                    memo[Take(data, 1)[0]] = Top();
                    break;
                case (byte)'r':
                    memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(data, 4))] = Top();
                    break;
                case 0x94: // MEMOIZE
                    memo[memo.Count] = Top();
                    break;
                case (byte)'h':
                    stack.Add(memo.TryGetValue(Take(data, 1)[0], out var m1) ? m1 : throw Error("BINGET of an unknown memo key"));
                    break;
                case (byte)'j':
                    stack.Add(memo.TryGetValue(BinaryPrimitives.ReadUInt32LittleEndian(Take(data, 4)), out var m4) ? m4 : throw Error("LONG_BINGET of an unknown memo key"));
                    break;
                case (byte)'c': // GLOBAL module\nname\n
                {
                    var module = Line(data, ref pos, source);
                    var name = Line(data, ref pos, source);
                    stack.Add(Resolve(module, name, source));
                    break;
                }

                case 0x93: // STACK_GLOBAL
                {
                    var name = Pop() as string ?? throw Error("STACK_GLOBAL without a name string");
                    var module = Pop() as string ?? throw Error("STACK_GLOBAL without a module string");
                    stack.Add(Resolve(module, name, source));
                    break;
                }

                case (byte)'Q': // BINPERSID
                    stack.Add(PersistentLoad(Pop(), source));
                    break;
                case (byte)'R': // REDUCE
                {
                    var args = Pop() as Tuple ?? throw Error("REDUCE without an argument tuple");
                    var callable = Pop();
                    stack.Add(Call(callable, args, source));
                    break;
                }

                case (byte)'b': // BUILD: the state of an OrderedDict (its _metadata attribute) is not needed.
                    Pop();
                    Top();
                    break;
                default:
                    throw Error($"pickle opcode 0x{op:x2} at byte {pos - 1} is not one torch.save writes for a state dict (Qianru runs no other)");
            }
        }
    }

    private static void AddPairs(Dict dict, List<object?> items)
    {
        for (var i = 0; i + 1 < items.Count; i += 2)
        {
            dict.Items.Add(new(items[i], items[i + 1]));
        }
    }

    private static long Long(ReadOnlySpan<byte> bytes)
    {
        var value = new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue ? (long)value : throw new InvalidDataException($"integer {value} out of range in the pickle.");
    }

    private static string Line(ReadOnlySpan<byte> data, ref int pos, string source)
    {
        var end = data[pos..].IndexOf((byte)'\n');
        if (end < 0 || end > 1000)
        {
            throw new InvalidDataException($"{source}: a GLOBAL opcode without a newline-terminated name; not a torch checkpoint Qianru can read.");
        }

        var text = Encoding.UTF8.GetString(data.Slice(pos, end));
        pos += end + 1;
        return text;
    }

    private static Global Resolve(string module, string name, string source)
    {
        var full = $"{module}.{name}";
        if (!Allowed.ContainsKey(full))
        {
            throw new InvalidDataException(
                $"{source}: the pickle names {full}, which Qianru refuses to load (nothing was run); a weights file needs only {string.Join(", ", Allowed.Keys)}.");
        }

        return new Global(module, name);
    }

    private static Storage PersistentLoad(object? pid, string source)
    {
        // torch: ('storage', storage_type, key, location, numel)
        if (pid is Tuple { Items: ["storage", Global type, string key, string, long count] } && Allowed[type.ToString()] is { } dtype)
        {
            if (count < 0)
            {
                throw new InvalidDataException($"{source}: storage {key} claims {count} elements.");
            }

            return new Storage(dtype, key, count);
        }

        throw new InvalidDataException($"{source}: a persistent id that is not ('storage', type, key, location, numel); not a torch checkpoint Qianru can read.");
    }

    private static object? Call(object? callable, Tuple args, string source)
    {
        switch (callable)
        {
            case Global { Module: "collections", Name: "OrderedDict" } when args.Items.Length == 0:
                return new Dict();
            case Global { Module: "torch._utils", Name: "_rebuild_tensor_v2" }
                when args.Items is [Storage storage, long offset, Tuple size, Tuple stride, ..]:
                return new Tensor(storage, offset, Longs(size, source), Longs(stride, source));
            case Global { Module: "torch._utils", Name: "_rebuild_parameter" } when args.Items is [Tensor tensor, ..]:
                return tensor;
            default:
                throw new InvalidDataException($"{source}: the pickle calls {callable} with arguments Qianru does not read; not a plain state dict of tensors.");
        }
    }

    private static long[] Longs(Tuple tuple, string source) =>
        [.. tuple.Items.Select(o => o is long l and >= 0 ? l : throw new InvalidDataException($"{source}: a tensor size or stride that is not a non-negative integer."))];
}
