namespace Qianru.Onnx;

/// <summary>
/// A message of ONNX's protobuf schema (<see href="https://github.com/onnx/onnx/blob/main/onnx/onnx.proto"/>) that Qianru
/// reads, edits and writes back. Each message reads the fields Qianru works with; every other field is kept as its
/// original bytes and written back unchanged, so a round trip loses nothing (docs, metadata, sub-graphs, value infos).
/// </summary>
/// <remarks>Qianru's own code, not a general protobuf library: only the fields the quantizers and graph builders use are typed.</remarks>
internal abstract class OnnxMessage
{
    private List<ReadOnlyMemory<byte>>? _unknown;

    /// <summary>Reads the message's fields from <paramref name="data"/> (slices of it are kept, not copied).</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid encoding.</exception>
    public void MergeFrom(ReadOnlyMemory<byte> data)
    {
        var reader = new ProtoReader(data);
        while (true)
        {
            var start = reader.Position;
            if (!reader.TryReadTag(out var field, out var wire))
            {
                break;
            }

            if (!ReadField(ref reader, field, wire))
            {
                reader.Skip(wire);
                (_unknown ??= []).Add(data[start..reader.Position]);
            }
        }
    }

    /// <summary>The encoded size in bytes.</summary>
    public int CalculateSize()
    {
        long size = KnownFieldsSize();
        if (_unknown is not null)
        {
            foreach (var raw in _unknown)
            {
                size += raw.Length;
            }
        }

        return size <= int.MaxValue ? (int)size : throw new NotSupportedException($"an ONNX message of {size} bytes is over protobuf's 2 GB limit");
    }

    /// <summary>Encodes the message.</summary>
    public byte[] ToByteArray()
    {
        var buffer = GC.AllocateUninitializedArray<byte>(CalculateSize());
        var writer = new ProtoWriter(buffer);
        WriteTo(ref writer);
        return buffer;
    }

    public void WriteTo(ref ProtoWriter writer)
    {
        WriteKnownFields(ref writer);
        if (_unknown is not null)
        {
            foreach (var raw in _unknown)
            {
                writer.WriteRaw(raw.Span);
            }
        }
    }

    /// <summary>Reads field <paramref name="field"/> if the message knows it; false leaves it to be kept as raw bytes.</summary>
    protected abstract bool ReadField(ref ProtoReader reader, int field, WireType wire);

    protected abstract long KnownFieldsSize();

    protected abstract void WriteKnownFields(ref ProtoWriter writer);

    protected static int Size(int field, string value) => value.Length == 0 ? 0 : ProtoWriter.StringSize(field, value);

    protected static int Size(int field, long value) => value == 0 ? 0 : ProtoWriter.Int64Size(field, value);

    protected static int Size(int field, OnnxMessage? value) => value is null ? 0 : ProtoWriter.MessageSize(field, value);

    protected static long Size<T>(int field, List<T> values)
        where T : OnnxMessage
    {
        long size = 0;
        foreach (var v in values)
        {
            size += ProtoWriter.MessageSize(field, v);
        }

        return size;
    }

    protected static long Size(int field, List<string> values)
    {
        long size = 0;
        foreach (var v in values)
        {
            size += ProtoWriter.StringSize(field, v);
        }

        return size;
    }

    protected static long Size(int field, List<long> values)
    {
        long size = 0;
        foreach (var v in values)
        {
            size += ProtoWriter.Int64Size(field, v);
        }

        return size;
    }

    protected static void Write(ref ProtoWriter writer, int field, string value)
    {
        if (value.Length > 0)
        {
            writer.WriteString(field, value);
        }
    }

    protected static void Write(ref ProtoWriter writer, int field, long value)
    {
        if (value != 0)
        {
            writer.WriteInt64(field, value);
        }
    }

    protected static void Write(ref ProtoWriter writer, int field, OnnxMessage? value)
    {
        if (value is not null)
        {
            writer.WriteMessage(field, value);
        }
    }

    protected static void Write<T>(ref ProtoWriter writer, int field, List<T> values)
        where T : OnnxMessage
    {
        foreach (var v in values)
        {
            writer.WriteMessage(field, v);
        }
    }

    protected static void Write(ref ProtoWriter writer, int field, List<string> values)
    {
        foreach (var v in values)
        {
            writer.WriteString(field, v);
        }
    }

    /// <summary>Repeated int64 unpacked, as onnx.proto (proto2) declares <c>dims</c> and <c>ints</c>.</summary>
    protected static void Write(ref ProtoWriter writer, int field, List<long> values)
    {
        foreach (var v in values)
        {
            writer.WriteInt64(field, v);
        }
    }
}
