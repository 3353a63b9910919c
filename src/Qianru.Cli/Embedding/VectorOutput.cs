using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Qianru.Cli.Infrastructure;
using Qianru.IO;

namespace Qianru.Cli.Embedding;

/// <summary>
/// Writes embeddings as jsonl, json, csv or npy, one window at a time, so memory does not grow with the input.
/// </summary>
/// <remarks>
/// jsonl is written in place and flushed after every window, so an interrupted run leaves whole rows (and perhaps one
/// cut row) that <c>--resume</c> continues. json, csv and npy files are written to a temporary file beside the output
/// and renamed when complete, so an interrupted run never leaves a plausible but partial file; npy gets its header,
/// which holds the row count, last. npy on standard output (not a file) holds the vectors until the end.
/// </remarks>
internal sealed class VectorOutput : IDisposable
{
    public static readonly string[] Formats = ["jsonl", "json", "csv", "npy"];

    /// <summary>The npy header size written: room for any row count, a multiple of 64 as numpy aligns it.</summary>
    private const int NpyHeaderBytes = 128;

    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly string _format;
    private readonly TextWriter? _text;
    private readonly bool _ownsText;
    private readonly Stream? _binary;
    private readonly List<float[]>? _heldRows;
    private readonly AtomicFile? _file;
    private readonly MemoryStream _buffer = new();
    private int? _dimensions;
    private long _rows;
    private bool _textClosed;

    private VectorOutput(string format, TextWriter? text, bool ownsText, Stream? binary, List<float[]>? heldRows, AtomicFile? file, int? dimensions)
    {
        _format = format;
        _text = text;
        _ownsText = ownsText;
        _binary = binary;
        _heldRows = heldRows;
        _file = file;
        _dimensions = dimensions;
        if (_binary is not null)
        {
            _binary.Write(new byte[NpyHeaderBytes]);
        }
        else if (format == "json")
        {
            _text!.Write('[');
        }
    }

    /// <summary>
    /// Opens the output: standard output for null or "-", else <paramref name="file"/> (jsonl: appended to when
    /// <paramref name="append"/>, for <c>--resume</c>). <paramref name="dimensions"/> is the vector length when known
    /// before the first window (for the csv header and npy shape of an empty output).
    /// </summary>
    public static VectorOutput Open(string format, string? file, CliContext context, bool append, int? dimensions)
    {
        if (file is null or "-")
        {
            return format == "npy"
                ? new VectorOutput(format, null, false, null, [], null, dimensions)
                : new VectorOutput(format, context.Out, false, null, null, null, dimensions);
        }

        var path = context.ResolvePath(file);
        var folder = Path.GetDirectoryName(path);
        if (folder is not null && !Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"--output {file}: folder {folder} does not exist.");
        }

        if (Directory.Exists(path))
        {
            throw new CliUsageException($"--output {file}: is a folder; give a file.");
        }

        if (format == "jsonl")
        {
            var stream = new FileStream(path, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
            return new VectorOutput(format, new StreamWriter(stream, new UTF8Encoding(false)), true, null, null, null, dimensions);
        }

        var atomic = AtomicFile.Create(path);
        return format == "npy"
            ? new VectorOutput(format, null, false, atomic.Stream, null, atomic, dimensions)
            : new VectorOutput(format, new StreamWriter(atomic.Stream, new UTF8Encoding(false), leaveOpen: true), true, null, null, atomic, dimensions);
    }

    /// <summary>Writes one window's rows (global indexes from <paramref name="firstIndex"/>) and flushes them.</summary>
    public void Write(long firstIndex, IReadOnlyList<string> texts, IReadOnlyList<float[]> vectors)
    {
        for (var i = 0; i < vectors.Count; i++)
        {
            var vector = vectors[i];
            _dimensions ??= vector.Length;
            if (vector.Length != _dimensions)
            {
                throw new InvalidDataException($"the model returned a vector of {vector.Length} dimensions after ones of {_dimensions}.");
            }

            switch (_format)
            {
                case "npy":
                    WriteNpyRow(vector);
                    break;
                case "csv":
                    WriteCsvRow(vector);
                    break;
                default:
                    WriteJsonRow(firstIndex + i, texts[i], vector);
                    break;
            }

            _rows++;
        }

        _text?.Flush();
        _binary?.Flush();
    }

    /// <summary>Ends the output: closes the json array, writes the npy header, renames a temporary file into place.</summary>
    public void Complete(CliContext context)
    {
        switch (_format)
        {
            case "json":
                _text!.WriteLine(']');
                break;
            case "csv" when _rows == 0:
                WriteCsvHeader();
                break;
            case "npy" when _heldRows is not null:
                using (var stdout = context.OpenStdoutStream())
                {
                    Qianru.IO.VectorFile.WriteNpy(stdout, _heldRows);
                    stdout.Flush();
                }

                break;
            case "npy":
                _binary!.Position = 0;
                _binary.Write(NpyHeader(_rows, _dimensions ?? 0));
                break;
        }

        _text?.Flush();
        _binary?.Flush();
        CloseText();
        _file?.Commit();
    }

    /// <summary>Closes the output; a json, csv or npy file that was not completed is dropped and any old file stays as it was.</summary>
    public void Dispose()
    {
        try
        {
            CloseText();
        }
        finally
        {
            _file?.Dispose();
        }
    }

    /// <summary>A NumPy format 1.0 header for a (rows, dimensions) little-endian float32 C-order array, <see cref="NpyHeaderBytes"/> long.</summary>
    internal static byte[] NpyHeader(long rows, int dimensions)
    {
        var dict = string.Create(CultureInfo.InvariantCulture, $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {dimensions}), }}");
        var header = new byte[NpyHeaderBytes];
        header[0] = 0x93;
        "NUMPY"u8.CopyTo(header.AsSpan(1));
        header[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), NpyHeaderBytes - 10);
        var text = Encoding.ASCII.GetBytes(dict);
        text.CopyTo(header.AsSpan(10));
        header.AsSpan(10 + text.Length, NpyHeaderBytes - 11 - text.Length).Fill((byte)' ');
        header[^1] = (byte)'\n';
        return header;
    }

    private void CloseText()
    {
        // Once only: a writer that leaves the atomic file's stream open flushes it again on every Dispose.
        if (_ownsText && !_textClosed)
        {
            _textClosed = true;
            _text!.Dispose();
        }
    }

    private void WriteJsonRow(long index, string text, float[] vector)
    {
        _buffer.SetLength(0);
        using (var json = new Utf8JsonWriter(_buffer, JsonOptions))
        {
            json.WriteStartObject();
            json.WriteNumber("index", index);
            json.WriteString("text", text);
            json.WriteStartArray("embedding");
            foreach (var x in vector)
            {
                json.WriteNumberValue(x);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        var row = Encoding.UTF8.GetString(_buffer.GetBuffer(), 0, (int)_buffer.Length);
        if (_format == "json")
        {
            if (_rows > 0)
            {
                _text!.Write(',');
            }

            _text!.Write(row);
        }
        else
        {
            _text!.Write(row);
            _text.Write('\n');
        }
    }

    private void WriteCsvHeader() =>
        _text!.WriteLine(string.Join(',', Enumerable.Range(0, _dimensions ?? 0).Select(d => "d" + d.ToString(CultureInfo.InvariantCulture))));

    private void WriteCsvRow(float[] vector)
    {
        if (_rows == 0)
        {
            WriteCsvHeader();
        }

        var sb = new StringBuilder();
        for (var d = 0; d < vector.Length; d++)
        {
            if (d > 0)
            {
                sb.Append(',');
            }

            sb.Append(vector[d].ToString("R", CultureInfo.InvariantCulture));
        }

        _text!.WriteLine(sb);
    }

    private void WriteNpyRow(float[] vector)
    {
        if (_heldRows is not null)
        {
            _heldRows.Add(vector);
            return;
        }

        if (BitConverter.IsLittleEndian)
        {
            _binary!.Write(MemoryMarshal.AsBytes(vector.AsSpan()));
            return;
        }

        var bytes = new byte[vector.Length * 4];
        for (var j = 0; j < vector.Length; j++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(j * 4), vector[j]);
        }

        _binary!.Write(bytes);
    }
}
