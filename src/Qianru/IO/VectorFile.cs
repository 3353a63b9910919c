using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Qianru.IO;

/// <summary>
/// Reads and writes matrices of vectors (one vector per row) in the formats the Python ecosystem exchanges:
/// <c>.npy</c> (NumPy, float32 or float64, 2-D, C order), <c>.jsonl</c> (one vector per line, either a bare
/// array or an object with an <c>"embedding"</c> field), <c>.csv</c> and <c>.tsv</c> (numeric rows; a first row
/// none of whose fields is a number, such as <c>d0,d1,d2</c>, is a header and skipped).
/// </summary>
/// <remarks>
/// The format is chosen by the file extension (case-insensitive). Every row must have the same length and every
/// value must be finite; anything else is an <see cref="InvalidDataException"/> naming the file and line (or row).
/// A .npy header is checked against the file's length before anything is allocated from it, so a damaged or hostile
/// header cannot make the reader allocate more than the file holds.
/// All members are thread-safe.
/// See <see href="https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html">the .npy format</see>.
/// </remarks>
public static class VectorFile
{
    /// <summary>The extensions <see cref="Read"/> and <c>Write</c> understand.</summary>
    public static IReadOnlyList<string> SupportedExtensions { get; } = [".npy", ".jsonl", ".csv", ".tsv"];

    /// <summary>Reads all vectors of <paramref name="path"/>; the format is chosen by its extension.</summary>
    /// <param name="path">A <c>.npy</c>, <c>.jsonl</c>, <c>.csv</c> or <c>.tsv</c> file.</param>
    /// <returns>The rows, in file order; an empty array for a file with no rows.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="NotSupportedException">The extension is not one of <see cref="SupportedExtensions"/>.</exception>
    /// <param name="cancellationToken">Checked every 1024 rows.</param>
    /// <exception cref="InvalidDataException">A malformed file, a bad cell, rows of different lengths, NaN or infinity.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static float[][] Read(string path, CancellationToken cancellationToken = default) =>
        ReadMatrix(path, cancellationToken).ToArrays();

    /// <summary>Reads all vectors of <paramref name="path"/> into one matrix, a row per vector; the format is chosen by its extension.</summary>
    /// <param name="path">A <c>.npy</c>, <c>.jsonl</c>, <c>.csv</c> or <c>.tsv</c> file.</param>
    /// <param name="cancellationToken">Checked every 1024 rows.</param>
    /// <returns>The rows, in file order; a matrix of no rows for a file with none.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="NotSupportedException">The extension is not one of <see cref="SupportedExtensions"/>.</exception>
    /// <exception cref="InvalidDataException">A malformed file, a bad cell, rows of different lengths, NaN or infinity.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static VectorMatrix ReadMatrix(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var ext = ExtensionOf(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(Directory.Exists(path) ? $"{path}: is a folder, not a vector file" : $"vector file not found: {path}", path);
        }

        return ext switch
        {
            ".npy" => ReadNpy(path, cancellationToken),
            ".jsonl" => ReadJsonl(path, cancellationToken),
            ".csv" => ReadDelimited(path, ',', cancellationToken),
            _ => ReadDelimited(path, '\t', cancellationToken),
        };
    }

    /// <summary>
    /// Writes <paramref name="rows"/> to <paramref name="path"/>, replacing it: <c>.npy</c> as float32 (C order),
    /// <c>.jsonl</c> as one bare JSON array per line, <c>.csv</c>/<c>.tsv</c> as numeric rows without a header.
    /// Numbers in text formats are written in the shortest form that reads back to the same float.
    /// </summary>
    /// <param name="path">The file to create; its extension chooses the format.</param>
    /// <param name="rows">The vectors; all must have the same length and finite values.</param>
    /// <exception cref="NotSupportedException">The extension is not one of <see cref="SupportedExtensions"/>.</exception>
    /// <exception cref="ArgumentException">Rows of different lengths, NaN or infinity.</exception>
    public static void Write(string path, IReadOnlyList<float[]> rows)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(rows);
        ExtensionOf(path);
        Write(path, VectorMatrix.FromRows(rows, null, $"cannot write {path}"));
    }

    /// <summary>
    /// Writes the rows of <paramref name="rows"/> to <paramref name="path"/>, replacing it, as
    /// <see cref="Write(string, IReadOnlyList{float[]})"/> does.
    /// </summary>
    /// <param name="path">The file to create; its extension chooses the format.</param>
    /// <param name="rows">The vectors; all values must be finite.</param>
    /// <exception cref="NotSupportedException">The extension is not one of <see cref="SupportedExtensions"/>.</exception>
    /// <exception cref="ArgumentException">NaN or infinity.</exception>
    public static void Write(string path, VectorMatrix rows)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(rows);
        var ext = ExtensionOf(path);
        for (var i = 0; i < rows.Rows; i++)
        {
            var row = rows.Row(i);
            var bad = VectorMatrix.IndexOfNonFinite(row);
            if (bad >= 0)
            {
                throw new ArgumentException(
                    $"cannot write {path}: row {i}, column {bad + 1} is {row[bad].ToString(CultureInfo.InvariantCulture)}; only finite values are allowed",
                    nameof(rows));
            }
        }

        AtomicFile.Write(path, stream =>
        {
            switch (ext)
            {
                case ".npy":
                    WriteNpyCore(stream, rows);
                    break;
                case ".jsonl":
                    WriteText(stream, rows, ",", "[", "]");
                    break;
                case ".csv":
                    WriteText(stream, rows, ",", "", "");
                    break;
                default:
                    WriteText(stream, rows, "\t", "", "");
                    break;
            }
        });
    }

    private static string ExtensionOf(string path)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        if (!SupportedExtensions.Contains(ext))
        {
            throw new NotSupportedException(
                $"{path}: unsupported vector file extension '{ext}'; supported: {string.Join(", ", SupportedExtensions)}");
        }

        return ext;
    }

    // ---------------------------------------------------------------- .npy

    private static readonly Regex DescrPattern = new(@"['""]descr['""]\s*:\s*['""]([^'""]*)['""]", RegexOptions.CultureInvariant);
    private static readonly Regex FortranPattern = new(@"['""]fortran_order['""]\s*:\s*(True|False)", RegexOptions.CultureInvariant);
    private static readonly Regex ShapePattern = new(@"['""]shape['""]\s*:\s*\(([^)]*)\)", RegexOptions.CultureInvariant);

    private static VectorMatrix ReadNpy(string path, CancellationToken cancellationToken)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var magic = new byte[8];
        ReadExactly(stream, magic, path, "header");
        if (magic[0] != 0x93 || Encoding.ASCII.GetString(magic, 1, 5) != "NUMPY")
        {
            throw new InvalidDataException($"{path}: not a .npy file (the magic string \\x93NUMPY is missing)");
        }

        var major = magic[6];
        int headerLength;
        if (major == 1)
        {
            var b = new byte[2];
            ReadExactly(stream, b, path, "header");
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(b);
        }
        else if (major is 2 or 3)
        {
            var b = new byte[4];
            ReadExactly(stream, b, path, "header");
            var length = BinaryPrimitives.ReadUInt32LittleEndian(b);
            headerLength = length <= int.MaxValue ? (int)length : int.MaxValue;
        }
        else
        {
            throw new InvalidDataException($"{path}: unsupported .npy format version {major}.{magic[7]}; supported: 1.x, 2.x, 3.x");
        }

        if (headerLength > stream.Length - stream.Position)
        {
            throw new InvalidDataException($"{path}: the .npy header claims {headerLength} bytes but the file holds {stream.Length - stream.Position} after its prefix");
        }

        var headerBytes = new byte[headerLength];
        ReadExactly(stream, headerBytes, path, "header");
        var header = Encoding.UTF8.GetString(headerBytes);

        var descr = DescrPattern.Match(header);
        var fortran = FortranPattern.Match(header);
        var shape = ShapePattern.Match(header);
        if (!descr.Success || !fortran.Success || !shape.Success)
        {
            throw new InvalidDataException($"{path}: malformed .npy header '{header.Trim()}'");
        }

        var dtype = descr.Groups[1].Value;
        int itemSize;
        bool bigEndian;
        switch (dtype)
        {
            case "<f4" or "=f4" or "f4":
                itemSize = 4; bigEndian = false; break;
            case ">f4":
                itemSize = 4; bigEndian = true; break;
            case "<f8" or "=f8" or "f8":
                itemSize = 8; bigEndian = false; break;
            case ">f8":
                itemSize = 8; bigEndian = true; break;
            default:
                throw new InvalidDataException($"{path}: unsupported .npy dtype '{dtype}'; supported: float32 ('<f4') and float64 ('<f8')");
        }

        if (fortran.Groups[1].Value == "True")
        {
            throw new InvalidDataException($"{path}: Fortran-order .npy arrays are not supported; save a C-order array (numpy.ascontiguousarray)");
        }

        var dimsText = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (dimsText.Length != 2)
        {
            throw new InvalidDataException($"{path}: .npy array has shape ({shape.Groups[1].Value}); a 2-D array (rows, dimensions) is required");
        }

        if (!long.TryParse(dimsText[0], NumberStyles.None, CultureInfo.InvariantCulture, out var rowCount)
            || !long.TryParse(dimsText[1], NumberStyles.None, CultureInfo.InvariantCulture, out var dims))
        {
            throw new InvalidDataException($"{path}: .npy shape ({shape.Groups[1].Value}) is not two whole numbers ≥ 0");
        }

        if (rowCount > Array.MaxLength || dims > Array.MaxLength / itemSize)
        {
            throw new InvalidDataException($"{path}: .npy shape ({rowCount}, {dims}) is too large");
        }

        if (rowCount > 0 && dims == 0)
        {
            throw new InvalidDataException($"{path}: .npy shape ({rowCount}, 0): the vectors are empty");
        }

        // Both are below 2^31, so the product cannot overflow; compare with what the file holds before allocating.
        var dataBytes = rowCount * dims * itemSize;
        var remaining = stream.Length - stream.Position;
        if (dataBytes > remaining)
        {
            throw new InvalidDataException(
                $"{path}: the .npy header says shape ({rowCount}, {dims}), {dataBytes} bytes of data, but the file holds {remaining} after the header (truncated or damaged file)");
        }

        if (rowCount == 0)
        {
            return new VectorMatrix(0, (int)Math.Max(dims, 1));
        }

        if (rowCount * dims > Array.MaxLength)
        {
            throw new InvalidDataException($"{path}: .npy shape ({rowCount}, {dims}) is too large");
        }

        var rows = new VectorMatrix((int)rowCount, (int)dims);
        var buffer = new byte[dims * itemSize];
        for (var i = 0; i < rowCount; i++)
        {
            if ((i & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var row = rows.Row(i);
            if (itemSize == 4 && !bigEndian)
            {
                ReadExactly(stream, MemoryMarshal.AsBytes(row), path, $"row {i}");
            }
            else if (itemSize == 4)
            {
                ReadExactly(stream, buffer, path, $"row {i}");
                for (var j = 0; j < dims; j++)
                {
                    row[j] = BinaryPrimitives.ReadSingleBigEndian(buffer.AsSpan(j * 4));
                }
            }
            else
            {
                ReadExactly(stream, buffer, path, $"row {i}");
                for (var j = 0; j < dims; j++)
                {
                    var span = buffer.AsSpan(j * 8);
                    var value = bigEndian ? BinaryPrimitives.ReadDoubleBigEndian(span) : BinaryPrimitives.ReadDoubleLittleEndian(span);
                    row[j] = (float)value;
                }
            }

            var bad = VectorMatrix.IndexOfNonFinite(row);
            if (bad >= 0)
            {
                throw new InvalidDataException(
                    $"{path}: row {i}, column {bad + 1} is {DescribeNonFinite(row[bad], itemSize == 8)}; only finite values are allowed");
            }
        }

        return rows;
    }

    private static string DescribeNonFinite(float value, bool fromDouble) =>
        float.IsNaN(value) ? "NaN" : fromDouble ? "infinite or outside the float32 range" : "infinity";

    private static void ReadExactly(Stream stream, Span<byte> buffer, string path, string what)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{path}: the .npy file ends early (while reading the {what})");
        }
    }

    /// <summary>
    /// Writes rows as a NumPy .npy (format 1.0, little-endian float32, C order) to a stream, as numpy.save does;
    /// for standard output or other streams that are not files. Rows must all have the same length.
    /// </summary>
    public static void WriteNpy(Stream stream, IReadOnlyList<float[]> rows)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(rows);
        var dims = rows.Count == 0 ? 0 : rows[0].Length;
        if (rows.Any(r => r.Length != dims))
        {
            throw new ArgumentException("all rows must have the same length", nameof(rows));
        }

        WriteNpyCore(stream, rows.Count == 0 ? new VectorMatrix(0, 1) : VectorMatrix.FromRows(rows));
    }

    /// <summary>Writes the rows of a matrix as a NumPy .npy to a stream, as numpy.save does.</summary>
    public static void WriteNpy(Stream stream, VectorMatrix rows)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(rows);
        WriteNpyCore(stream, rows);
    }

    private static void WriteNpyCore(Stream stream, VectorMatrix rows)
    {
        // An empty matrix is written as numpy writes an empty list of vectors: shape (0, 0).
        var dims = rows.Rows == 0 ? 0 : rows.Dimensions;
        var dict = "{'descr': '<f4', 'fortran_order': False, 'shape': ("
            + rows.Rows.ToString(CultureInfo.InvariantCulture) + ", " + dims.ToString(CultureInfo.InvariantCulture) + "), }";
        // Magic (6) + version (2) + length (2) + dict + padding + '\n' is a multiple of 64, as numpy writes it.
        var total = 10 + dict.Length + 1;
        var padded = (total + 63) / 64 * 64;
        var header = dict + new string(' ', padded - total) + "\n";
        Span<byte> prefix = stackalloc byte[10];
        prefix[0] = 0x93;
        "NUMPY"u8.CopyTo(prefix[1..]);
        prefix[6] = 1;
        prefix[7] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(prefix[8..], checked((ushort)header.Length));
        stream.Write(prefix);
        stream.Write(Encoding.ASCII.GetBytes(header));
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(rows.AsSpan()));
            return;
        }

        var buffer = new byte[dims * 4];
        for (var i = 0; i < rows.Rows; i++)
        {
            var row = rows.Row(i);
            for (var j = 0; j < dims; j++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(j * 4), row[j]);
            }

            stream.Write(buffer);
        }
    }

    // ---------------------------------------------------------------- .jsonl

    private static VectorMatrix ReadJsonl(string path, CancellationToken cancellationToken)
    {
        var rows = new VectorMatrixBuilder();
        var lineNumber = 0;
        var firstLine = 0;
        foreach (var line in File.ReadLines(path))
        {
            if ((++lineNumber & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}: line {lineNumber}: not valid JSON ({e.Message})");
            }

            using (document)
            {
                var root = document.RootElement;
                JsonElement array;
                if (root.ValueKind == JsonValueKind.Array)
                {
                    array = root;
                }
                else if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("embedding", out var embedding)
                         && embedding.ValueKind == JsonValueKind.Array)
                {
                    array = embedding;
                }
                else
                {
                    throw new InvalidDataException(
                        $"{path}: line {lineNumber}: expected a JSON array of numbers or an object with an \"embedding\" array");
                }

                var row = new float[array.GetArrayLength()];
                var j = 0;
                foreach (var item in array.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.Number || !item.TryGetDouble(out var value))
                    {
                        throw new InvalidDataException(
                            $"{path}: line {lineNumber}, column {j + 1}: '{item.GetRawText()}' is not a number");
                    }

                    row[j] = (float)value;
                    if (!float.IsFinite(row[j]))
                    {
                        throw new InvalidDataException(
                            $"{path}: line {lineNumber}, column {j + 1}: {item.GetRawText()} is outside the float32 range; only finite values are allowed");
                    }

                    j++;
                }

                CheckLength(path, rows, row, lineNumber, ref firstLine);
                rows.Add(row);
            }
        }

        return rows.ToMatrix();
    }

    private static void CheckLength(string path, VectorMatrixBuilder rows, float[] row, int lineNumber, ref int firstLine)
    {
        if (rows.Count == 0)
        {
            firstLine = lineNumber;
            if (row.Length == 0)
            {
                throw new InvalidDataException($"{path}: line {lineNumber}: empty vector");
            }

            return;
        }

        if (row.Length != rows.Dimensions)
        {
            throw new InvalidDataException(
                $"{path}: line {lineNumber} has {row.Length} values but line {firstLine} has {rows.Dimensions}; all rows must have the same length");
        }
    }

    // ---------------------------------------------------------------- .csv / .tsv

    private static VectorMatrix ReadDelimited(string path, char separator, CancellationToken cancellationToken)
    {
        var rows = new VectorMatrixBuilder();
        var lineNumber = 0;
        var firstLine = 0;
        var sawFirst = false;
        foreach (var line in File.ReadLines(path))
        {
            if ((++lineNumber & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var cells = line.Split(separator);
            for (var j = 0; j < cells.Length; j++)
            {
                var cell = cells[j].Trim();
                cells[j] = cell.Length >= 2 && cell[0] == '"' && cell[^1] == '"' ? cell[1..^1].Trim() : cell;
            }

            var isFirst = !sawFirst;
            sawFirst = true;
            if (isFirst && !cells.Any(c => TryParseCell(c, out _)))
            {
                continue; // a header row: none of its fields is a number
            }

            var row = new float[cells.Length];
            for (var j = 0; j < cells.Length; j++)
            {
                var cell = cells[j];
                if (!TryParseCell(cell, out var value))
                {
                    throw new InvalidDataException(
                        $"{path}: line {lineNumber}, column {j + 1}: '{cell}' is not a number{(isFirst ? " (a first row is a header only when none of its fields is a number)" : "")}");
                }

                row[j] = (float)value;
                if (!float.IsFinite(row[j]))
                {
                    var what = double.IsNaN(value) ? "NaN" : double.IsInfinity(value) ? "infinity" : "outside the float32 range";
                    throw new InvalidDataException(
                        $"{path}: line {lineNumber}, column {j + 1}: '{cell}' is {what}; only finite values are allowed");
                }
            }

            CheckLength(path, rows, row, lineNumber, ref firstLine);
            rows.Add(row);
        }

        return rows.ToMatrix();
    }

    /// <summary>A decimal number, or inf/nan as numpy and Python write them (refused later as not finite).</summary>
    private static bool TryParseCell(string cell, out double value)
    {
        if (double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        var unsigned = cell.TrimStart('+', '-');
        if (unsigned.Equals("inf", StringComparison.OrdinalIgnoreCase) || unsigned.Equals("nan", StringComparison.OrdinalIgnoreCase))
        {
            value = unsigned.Length == 3 && char.ToLowerInvariant(unsigned[0]) == 'n' ? double.NaN
                : cell.StartsWith('-') ? double.NegativeInfinity : double.PositiveInfinity;
            return cell.Length - unsigned.Length <= 1;
        }

        return false;
    }

    private static void WriteText(Stream stream, VectorMatrix rows, string separator, string open, string close)
    {
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        var sb = new StringBuilder();
        for (var i = 0; i < rows.Rows; i++)
        {
            var row = rows.Row(i);
            sb.Clear();
            sb.Append(open);
            for (var j = 0; j < row.Length; j++)
            {
                if (j > 0)
                {
                    sb.Append(separator);
                }

                sb.Append(row[j].ToString("R", CultureInfo.InvariantCulture));
            }

            sb.Append(close);
            writer.WriteLine(sb);
        }
    }
}
