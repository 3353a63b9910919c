using System.Buffers.Binary;
using System.Text;

namespace Qianru.Onnx;

/// <summary>
/// Reads the protocol buffers wire format (<see href="https://protobuf.dev/programming-guides/encoding/"/>) from memory.
/// Bytes and strings are slices of the input, so a 100 MB weight is never copied while parsing. Every length is checked
/// against what is left of the input before anything is read or allocated.
/// </summary>
internal struct ProtoReader(ReadOnlyMemory<byte> data)
{
    private readonly ReadOnlyMemory<byte> _data = data;

    /// <summary>The offset of the next unread byte.</summary>
    public int Position { get; private set; }

    /// <summary>The input this reader reads.</summary>
    public readonly ReadOnlyMemory<byte> Data => _data;

    /// <summary>Reads the next field's tag; false at the end of the input.</summary>
    public bool TryReadTag(out int field, out WireType wire)
    {
        if (Position >= _data.Length)
        {
            field = 0;
            wire = 0;
            return false;
        }

        var tag = ReadVarint();
        field = (int)(tag >> 3);
        wire = (WireType)(tag & 7);
        if (field <= 0 || tag >> 3 > int.MaxValue)
        {
            throw Invalid($"field number {tag >> 3}");
        }

        return true;
    }

    public ulong ReadVarint()
    {
        var span = _data.Span;
        ulong value = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (Position >= span.Length)
            {
                throw Invalid("a varint runs past the end");
            }

            var b = span[Position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw Invalid("a varint is longer than 10 bytes");
    }

    public long ReadInt64() => (long)ReadVarint();

    public int ReadInt32() => (int)(long)ReadVarint();

    public float ReadFloat()
    {
        var bytes = Take(4);
        return BinaryPrimitives.ReadSingleLittleEndian(bytes.Span);
    }

    /// <summary>A length-delimited field: its bytes, as a slice of the input.</summary>
    public ReadOnlyMemory<byte> ReadBytes()
    {
        var length = ReadVarint();
        if (length > (ulong)(_data.Length - Position))
        {
            throw Invalid($"a field claims {length} bytes but {_data.Length - Position} are left");
        }

        return Take((int)length);
    }

    public string ReadString() => Encoding.UTF8.GetString(ReadBytes().Span);

    public T ReadMessage<T>()
        where T : OnnxMessage, new()
    {
        var message = new T();
        message.MergeFrom(ReadBytes());
        return message;
    }

    /// <summary>Reads one value of a repeated int64 field, or all of them when the field is packed.</summary>
    public void ReadInt64s(WireType wire, List<long> into)
    {
        if (wire == WireType.LengthDelimited)
        {
            var packed = new ProtoReader(ReadBytes());
            while (packed.Position < packed._data.Length)
            {
                into.Add(packed.ReadInt64());
            }
        }
        else
        {
            Expect(wire, WireType.Varint);
            into.Add(ReadInt64());
        }
    }

    /// <summary>Reads one value of a repeated float field, or all of them when the field is packed.</summary>
    public void ReadFloats(WireType wire, List<float> into)
    {
        if (wire == WireType.LengthDelimited)
        {
            var bytes = ReadBytes().Span;
            if (bytes.Length % 4 != 0)
            {
                throw Invalid($"a packed float field has {bytes.Length} bytes, not a multiple of 4");
            }

            for (var i = 0; i < bytes.Length; i += 4)
            {
                into.Add(BinaryPrimitives.ReadSingleLittleEndian(bytes[i..]));
            }
        }
        else
        {
            Expect(wire, WireType.Fixed32);
            into.Add(ReadFloat());
        }
    }

    /// <summary>Skips a field this reader's caller does not know.</summary>
    public void Skip(WireType wire)
    {
        switch (wire)
        {
            case WireType.Varint:
                ReadVarint();
                break;
            case WireType.Fixed64:
                Take(8);
                break;
            case WireType.LengthDelimited:
                ReadBytes();
                break;
            case WireType.Fixed32:
                Take(4);
                break;
            default:
                throw Invalid($"wire type {(int)wire} is not supported");
        }
    }

    public static void Expect(WireType actual, WireType expected)
    {
        if (actual != expected)
        {
            throw Invalid($"wire type {(int)actual} where {(int)expected} was expected");
        }
    }

    private ReadOnlyMemory<byte> Take(int count)
    {
        if (count > _data.Length - Position)
        {
            throw Invalid("a field runs past the end");
        }

        var slice = _data.Slice(Position, count);
        Position += count;
        return slice;
    }

    private static InvalidDataException Invalid(string what) => new($"not a valid protocol buffer: {what}");
}
