using System.Buffers.Binary;
using System.Text;

namespace Qianru.Onnx;

/// <summary>
/// Writes the protocol buffers wire format into a buffer of the exact size, which the messages compute first
/// (<see cref="OnnxMessage.CalculateSize"/>), so a model is written once with no intermediate copies.
/// </summary>
internal struct ProtoWriter(byte[] buffer)
{
    private readonly byte[] _buffer = buffer;

    public int Position { get; private set; }

    public void WriteTag(int field, WireType wire) => WriteVarint(((ulong)field << 3) | (uint)wire);

    public void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer[Position++] = (byte)(value | 0x80);
            value >>= 7;
        }

        _buffer[Position++] = (byte)value;
    }

    public void WriteInt64(int field, long value)
    {
        WriteTag(field, WireType.Varint);
        WriteVarint((ulong)value);
    }

    public void WriteFloat(int field, float value)
    {
        WriteTag(field, WireType.Fixed32);
        BinaryPrimitives.WriteSingleLittleEndian(_buffer.AsSpan(Position), value);
        Position += 4;
    }

    public void WriteString(int field, string value)
    {
        WriteTag(field, WireType.LengthDelimited);
        WriteVarint((ulong)Encoding.UTF8.GetByteCount(value));
        Position += Encoding.UTF8.GetBytes(value, _buffer.AsSpan(Position));
    }

    public void WriteBytes(int field, ReadOnlySpan<byte> value)
    {
        WriteTag(field, WireType.LengthDelimited);
        WriteVarint((ulong)value.Length);
        WriteRaw(value);
    }

    public void WriteRaw(ReadOnlySpan<byte> value)
    {
        value.CopyTo(_buffer.AsSpan(Position));
        Position += value.Length;
    }

    public void WriteMessage(int field, OnnxMessage message)
    {
        WriteTag(field, WireType.LengthDelimited);
        WriteVarint((ulong)message.CalculateSize());
        message.WriteTo(ref this);
    }

    public void WritePackedFloats(int field, List<float> values)
    {
        WriteTag(field, WireType.LengthDelimited);
        WriteVarint((ulong)(values.Count * 4));
        foreach (var v in values)
        {
            BinaryPrimitives.WriteSingleLittleEndian(_buffer.AsSpan(Position), v);
            Position += 4;
        }
    }

    public static int VarintSize(ulong value)
    {
        var size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }

        return size;
    }

    public static int TagSize(int field) => VarintSize((ulong)field << 3);

    public static int Int64Size(int field, long value) => TagSize(field) + VarintSize((ulong)value);

    public static int LengthDelimitedSize(int field, int length) => TagSize(field) + VarintSize((ulong)length) + length;

    public static int StringSize(int field, string value) => LengthDelimitedSize(field, Encoding.UTF8.GetByteCount(value));

    public static int MessageSize(int field, OnnxMessage message) => LengthDelimitedSize(field, message.CalculateSize());
}
