using System.Text;

namespace Qianru.Models.Import;

/// <summary>
/// A protocol-buffers message under construction, written with no protobuf library: fields are kept in order and
/// encoded on <see cref="WriteTo"/>. A bytes field may be deferred (<see cref="Blob"/>): only its length is known up
/// front and its content is streamed when written, so a graph with gigabytes of weights is never held in memory.
/// </summary>
/// <remarks>Wire format: <see href="https://protobuf.dev/programming-guides/encoding/"/>.</remarks>
internal sealed class ProtoMessage
{
    private readonly List<Field> _fields = [];
    private long _length = -1;

    /// <summary>The encoded size in bytes.</summary>
    public long Length
    {
        get
        {
            if (_length < 0)
            {
                long total = 0;
                foreach (var f in _fields)
                {
                    total += f.Size;
                }

                _length = total;
            }

            return _length;
        }
    }

    public ProtoMessage Varint(int field, long value)
    {
        Span<byte> buffer = stackalloc byte[20];
        var n = WriteTag(buffer, field, 0);
        n += WriteVarint(buffer[n..], (ulong)value);
        return Add(new BytesField(buffer[..n].ToArray()));
    }

    public ProtoMessage Float(int field, float value)
    {
        Span<byte> buffer = stackalloc byte[16];
        var n = WriteTag(buffer, field, 5);
        BitConverter.TryWriteBytes(buffer[n..], value);
        return Add(new BytesField(buffer[..(n + 4)].ToArray()));
    }

    public ProtoMessage String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public ProtoMessage Bytes(int field, ReadOnlySpan<byte> value)
    {
        var head = LengthHead(field, value.Length);
        var all = new byte[head.Length + value.Length];
        head.CopyTo(all, 0);
        value.CopyTo(all.AsSpan(head.Length));
        return Add(new BytesField(all));
    }

    /// <summary>A packed repeated int64 field (ONNX dims, ints attributes).</summary>
    public ProtoMessage PackedInt64(int field, IEnumerable<long> values)
    {
        var body = new List<byte>();
        Span<byte> buffer = stackalloc byte[10];
        foreach (var v in values)
        {
            var n = WriteVarint(buffer, (ulong)v);
            for (var i = 0; i < n; i++)
            {
                body.Add(buffer[i]);
            }
        }

        return Bytes(field, body.ToArray());
    }

    /// <summary>Appends fields that are already encoded (tag, length and value), copied from another message.</summary>
    public ProtoMessage Raw(ReadOnlySpan<byte> encoded) => Add(new BytesField(encoded.ToArray()));

    public ProtoMessage Message(int field, ProtoMessage message) => Add(new MessageField(LengthHead(field, message.Length), message));

    /// <summary>A bytes field of a known length whose content <paramref name="write"/> streams when the message is written.</summary>
    public ProtoMessage Blob(int field, long length, Action<Stream> write) => Add(new BlobField(LengthHead(field, length), length, write));

    public void WriteTo(Stream stream)
    {
        foreach (var f in _fields)
        {
            f.Write(stream);
        }
    }

    public byte[] ToArray()
    {
        using var stream = new MemoryStream(checked((int)Length));
        WriteTo(stream);
        return stream.ToArray();
    }

    private ProtoMessage Add(Field field)
    {
        _fields.Add(field);
        _length = -1;
        return this;
    }

    private static byte[] LengthHead(int field, long length)
    {
        Span<byte> buffer = stackalloc byte[20];
        var n = WriteTag(buffer, field, 2);
        n += WriteVarint(buffer[n..], (ulong)length);
        return buffer[..n].ToArray();
    }

    private static int WriteTag(Span<byte> buffer, int field, int wireType) => WriteVarint(buffer, ((ulong)field << 3) | (uint)wireType);

    private static int WriteVarint(Span<byte> buffer, ulong value)
    {
        var n = 0;
        while (value >= 0x80)
        {
            buffer[n++] = (byte)(value | 0x80);
            value >>= 7;
        }

        buffer[n++] = (byte)value;
        return n;
    }

    private abstract class Field
    {
        public abstract long Size { get; }

        public abstract void Write(Stream stream);
    }

    private sealed class BytesField(byte[] bytes) : Field
    {
        public override long Size => bytes.Length;

        public override void Write(Stream stream) => stream.Write(bytes);
    }

    private sealed class MessageField(byte[] head, ProtoMessage message) : Field
    {
        public override long Size => head.Length + message.Length;

        public override void Write(Stream stream)
        {
            stream.Write(head);
            message.WriteTo(stream);
        }
    }

    private sealed class BlobField(byte[] head, long length, Action<Stream> write) : Field
    {
        public override long Size => head.Length + length;

        public override void Write(Stream stream)
        {
            stream.Write(head);
            var start = stream.CanSeek ? stream.Position : -1;
            write(stream);
            if (start >= 0 && stream.Position - start != length)
            {
                throw new InvalidOperationException($"A deferred protobuf field wrote {stream.Position - start} bytes; {length} were declared.");
            }
        }
    }
}
