using System.Text;

namespace Qianru.WordVectors;

/// <summary>Streaming readers for word2vec text/binary, GloVe and fastText .vec files, with format detection.</summary>
internal static class WordVectorReader
{
    /// <summary>The largest vector length accepted from a header (real files have at most a few thousand).</summary>
    private const int MaxDimensions = 1 << 16;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Detects the format of a file from its first bytes (native magic, header line, binary bytes).</summary>
    public static WordVectorFormat Detect(string path)
    {
        using var stream = OpenRead(path);
        return Detect(stream, path);
    }

    public static WordVectorFormat Detect(Stream stream, string name)
    {
        var head = new byte[64 * 1024];
        var n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var bytes = head.AsSpan(0, n);
        if (bytes.StartsWith(NativeWordVectors.Magic))
        {
            return WordVectorFormat.Native;
        }

        if (FastTextBinaryReader.HasMagic(bytes))
        {
            return WordVectorFormat.FastTextBinary;
        }

        var newline = bytes.IndexOf((byte)'\n');
        var first = newline >= 0 ? bytes[..newline] : bytes;
        if (!TryParseHeader(first, out _, out var dim))
        {
            // Two whole numbers are a word2vec header, never a 1-D GloVe row: a header out of range is an error, not
            // a reason to read the file as something else.
            if (IsTwoIntegers(first))
            {
                throw new InvalidDataException($"{name}: line 1 is the word2vec header \"{Preview(first.Trim("\r\n \t"u8))}\" but is out of range: the word count must be at least 1 and the dimensions 1 to {MaxDimensions}");
            }

            return WordVectorFormat.GloVe;
        }

        if (newline < 0)
        {
            return WordVectorFormat.Word2VecText;
        }

        // After the header: text rows hold only a word, digits, signs, dots, exponents and spaces after the
        // first space; a binary row holds raw float32 bytes there.
        var rest = bytes[(newline + 1)..];
        var space = rest.IndexOf((byte)' ');
        if (space < 0)
        {
            return WordVectorFormat.Word2VecText;
        }

        var vector = rest[(space + 1)..];
        vector = vector[..Math.Min(vector.Length, dim * 4)];
        foreach (var b in vector)
        {
            if (b == (byte)'\n')
            {
                break; // a whole text row looked like numbers
            }

            if (!IsTextNumberByte(b))
            {
                return WordVectorFormat.Word2VecBinary;
            }
        }

        return WordVectorFormat.Word2VecText;
    }

    /// <summary>True for a line of exactly two whole numbers (signed or not), the shape of a word2vec header.</summary>
    private static bool IsTwoIntegers(ReadOnlySpan<byte> line)
    {
        var fields = 0;
        var text = line.Trim("\r\n \t"u8);
        while (!text.IsEmpty)
        {
            var end = text.IndexOfAny((byte)' ', (byte)'\t');
            var field = end < 0 ? text : text[..end];
            var digits = field.Length > 0 && field[0] is (byte)'-' or (byte)'+' ? field[1..] : field;
            if (digits.IsEmpty || digits.IndexOfAnyExceptInRange((byte)'0', (byte)'9') >= 0)
            {
                return false;
            }

            fields++;
            text = end < 0 ? default : text[end..].TrimStart(" \t"u8);
        }

        return fields == 2;
    }

    private static bool IsTextNumberByte(byte b) =>
        b is (>= (byte)'0' and <= (byte)'9') or (byte)'.' or (byte)'-' or (byte)'+' or (byte)'e' or (byte)'E'
            or (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)'n' or (byte)'a' or (byte)'i' or (byte)'f'
            or (byte)'N' or (byte)'A' or (byte)'I' or (byte)'F' or (byte)'t' or (byte)'y';

    public static FileStream OpenRead(string path)
    {
        if (Directory.Exists(path))
        {
            throw new FileNotFoundException($"word vectors file '{path}' is a folder; give a file", path);
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"word vectors file '{path}' does not exist", path);
        }

        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
    }

    public static KeyedVectorsData ReadText(Stream stream, string name, bool hasHeader, int? limit, int bufferSize = 1 << 20, CancellationToken cancellationToken = default)
    {
        var reader = new ByteLineReader(stream, bufferSize);
        var dim = -1;
        long declared = -1;
        if (hasHeader)
        {
            if (!reader.TryReadLine(out var header) || !TryParseHeader(header, out declared, out dim))
            {
                throw new InvalidDataException($"{name}: line 1 must be the word2vec header \"count dim\" (two positive integers, dim at most {MaxDimensions}), got '{Preview(header)}'");
            }
        }

        var capacity = declared > 0 ? (int)Math.Min(declared, limit ?? int.MaxValue) : 1024;
        var builder = new KeyedVectorsBuilder(dim > 0 ? RowsThatFit(stream, capacity, 2 * dim + 1) : capacity, dim);
        while ((limit is null || builder.RowsRead < limit) && (declared < 0 || builder.RowsRead < declared) && reader.TryReadLine(out var line))
        {
            var lineNumber = reader.LineNumber;
            if ((lineNumber & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (line.Length > 0 && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            if (line.Trim((byte)' ').IsEmpty)
            {
                continue;
            }

            ParseTextRow(line, lineNumber, name, builder, ref dim);
        }

        if (declared >= 0 && builder.RowsRead < Math.Min(declared, limit ?? long.MaxValue))
        {
            throw new InvalidDataException($"{name}: the header says {declared} words but the file ends after {builder.RowsRead} (truncated file?)");
        }

        if (builder.Count == 0)
        {
            throw new InvalidDataException($"{name}: the file holds no word vectors");
        }

        return builder.Build();
    }

    private static void ParseTextRow(ReadOnlySpan<byte> line, long lineNumber, string name, KeyedVectorsBuilder builder, ref int dim)
    {
        // Count the fields (space or tab separated).
        var fieldCount = 0;
        var inField = false;
        foreach (var b in line)
        {
            var sep = b is (byte)' ' or (byte)'\t';
            if (!sep && !inField)
            {
                fieldCount++;
            }

            inField = !sep;
        }

        if (dim < 0)
        {
            if (fieldCount < 2)
            {
                throw new InvalidDataException($"{name}: line {lineNumber}: expected a word followed by numbers, got '{Preview(line)}'");
            }

            dim = fieldCount - 1;
            if (dim > MaxDimensions)
            {
                throw new InvalidDataException($"{name}: line {lineNumber}: {dim} numbers in a row; at most {MaxDimensions} dimensions are supported");
            }

            builder.SetDimensions(dim);
        }

        if (fieldCount < dim + 1)
        {
            throw new InvalidDataException($"{name}: line {lineNumber}: expected a word and {dim} numbers, found {fieldCount - 1} numbers (short row)");
        }

        // The word is everything before the last dim fields (GloVe 840B has a few words with spaces).
        var wordFields = fieldCount - dim;
        var pos = 0;
        var seen = 0;
        while (true)
        {
            while (line[pos] is (byte)' ' or (byte)'\t')
            {
                pos++;
            }

            seen++;
            while (pos < line.Length && line[pos] is not ((byte)' ' or (byte)'\t'))
            {
                pos++;
            }

            if (seen == wordFields)
            {
                break;
            }
        }

        var wordBytes = line[..pos].TrimStart((byte)' ');
        var vector = builder.AddRow(DecodeWord(wordBytes, name, $"line {lineNumber}"));
        for (var k = 0; k < dim; k++)
        {
            while (line[pos] is (byte)' ' or (byte)'\t')
            {
                pos++;
            }

            var start = pos;
            while (pos < line.Length && line[pos] is not ((byte)' ' or (byte)'\t'))
            {
                pos++;
            }

            var token = line[start..pos];
            if (!FastFloatParser.TryParse(token, out vector[k]))
            {
                throw new InvalidDataException($"{name}: line {lineNumber}: '{Preview(token)}' (number {k + 1} of the row) is not a number");
            }

            if (!float.IsFinite(vector[k]))
            {
                throw new InvalidDataException($"{name}: line {lineNumber}: '{Preview(token)}' (number {k + 1} of the row) is {(float.IsNaN(vector[k]) ? "NaN" : "infinite or outside the float32 range")}; only finite values are allowed");
            }
        }
    }

    public static KeyedVectorsData ReadBinary(Stream stream, string name, int? limit, int bufferSize = 1 << 20, CancellationToken cancellationToken = default)
    {
        var reader = new ByteLineReader(stream, bufferSize);
        if (!reader.TryReadLine(out var header) || !TryParseHeader(header, out var declared, out var dim))
        {
            throw new InvalidDataException($"{name}: the word2vec binary file must start with the header line \"count dim\", got '{Preview(header)}'");
        }

        var count = (int)Math.Min(declared, limit ?? int.MaxValue);
        var bytesPerVector = dim * sizeof(float);
        var builder = new KeyedVectorsBuilder(RowsThatFit(stream, count, bytesPerVector + 2), dim);
        for (var i = 0; i < count; i++)
        {
            if ((i & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            while (reader.Peek() is '\n' or '\r')
            {
                reader.Skip();
            }

            if (!reader.TryReadUntil((byte)' ', out var wordBytes))
            {
                throw new InvalidDataException($"{name}: truncated binary file: word {i + 1} of {declared} is missing (the file ends early)");
            }

            var word = DecodeWord(wordBytes, name, $"word {i + 1}");
            var raw = reader.ReadBytes(bytesPerVector);
            if (raw.Length < bytesPerVector)
            {
                throw new InvalidDataException($"{name}: truncated binary file: word {i + 1} of {declared} ('{word}') needs {bytesPerVector} bytes of vector, only {raw.Length} remain");
            }

            var vector = builder.AddRow(word);
            for (var k = 0; k < dim; k++)
            {
                vector[k] = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(raw.Slice(k * 4, 4));
                if (!float.IsFinite(vector[k]))
                {
                    throw new InvalidDataException($"{name}: word {i + 1} ('{word}'), number {k + 1} is {(float.IsNaN(vector[k]) ? "NaN" : "infinite")}; only finite values are allowed");
                }
            }
        }

        return builder.Build();
    }

    /// <summary>
    /// At most <paramref name="rows"/>, and no more rows than the rest of a seekable stream can hold at
    /// <paramref name="minimumRowBytes"/> each: a header's count is a claim, not a reason to allocate.
    /// </summary>
    private static int RowsThatFit(Stream stream, int rows, long minimumRowBytes) =>
        stream.CanSeek ? (int)Math.Min(rows, Math.Max(0, stream.Length - stream.Position) / minimumRowBytes + 1) : rows;

    private static string DecodeWord(ReadOnlySpan<byte> bytes, string name, string where)
    {
        if (bytes.IsEmpty)
        {
            throw new InvalidDataException($"{name}: {where}: the word is empty");
        }

        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new InvalidDataException($"{name}: {where}: the word is not valid UTF-8 (bytes {Convert.ToHexString(bytes[..Math.Min(bytes.Length, 16)])})");
        }
    }

    private static bool TryParseHeader(ReadOnlySpan<byte> line, out long count, out int dim)
    {
        count = 0;
        dim = 0;
        var text = line.Trim("\r\n \t"u8);
        var space = text.IndexOfAny((byte)' ', (byte)'\t');
        if (space <= 0)
        {
            return false;
        }

        var second = text[(space + 1)..].TrimStart(" \t"u8);
        return System.Buffers.Text.Utf8Parser.TryParse(text[..space], out count, out var c1) && c1 == space && count > 0
            && System.Buffers.Text.Utf8Parser.TryParse(second, out dim, out var c2) && c2 == second.Length && dim > 0 && dim <= MaxDimensions;
    }

    private static string Preview(ReadOnlySpan<byte> bytes)
    {
        var text = System.Text.Encoding.UTF8.GetString(bytes[..Math.Min(bytes.Length, 40)]);
        return bytes.Length > 40 ? text + "…" : text;
    }
}
