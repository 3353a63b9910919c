using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Qianru.Cli.Infrastructure;

/// <summary>
/// Reads a text file or standard input line by line as strict UTF-8, holding at most one line in memory.
/// </summary>
/// <remarks>
/// Text that is not valid Unicode is refused, never replaced: a line with bytes that are not UTF-8 is an
/// <see cref="InvalidDataException"/> naming the file, the line and the byte. A UTF-8 byte order mark before the first
/// line is skipped; a line ends at <c>\n</c> and a <c>\r</c> before it is dropped, so CRLF files read as LF files.
/// A line longer than <see cref="MaxLineBytes"/> is refused, so no input can make the reader hold more than that.
/// </remarks>
internal sealed class TextLineReader : IDisposable
{
    /// <summary>The longest line accepted: 16 MiB (a text embedded is truncated to the model's 256–8192 tokens anyway).</summary>
    public const int MaxLineBytes = 16 << 20;

    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private byte[] _buffer = new byte[1 << 16];
    private int _start;
    private int _end;
    private bool _eof;
    private long _bufferOffset;

    private TextLineReader(Stream stream, string name, bool ownsStream)
    {
        _stream = stream;
        Name = name;
        _ownsStream = ownsStream;
    }

    /// <summary>The input as the user named it, for messages.</summary>
    public string Name { get; }

    /// <summary>The 1-based number of the last line read (0 before the first).</summary>
    public long LineNumber { get; private set; }

    /// <summary>True for a file, which <see cref="Seek"/> can move in; false for standard input or a pipe.</summary>
    public bool CanSeek => _stream.CanSeek;

    /// <summary>The byte offset of the next unread line in the stream.</summary>
    public long Position => _bufferOffset + _start;

    /// <summary>
    /// Opens <paramref name="input"/>: a file (relative to the working directory) or <c>-</c> for standard input.
    /// A folder, or a file that does not exist, is a one-line error naming <paramref name="option"/>.
    /// </summary>
    public static TextLineReader Open(string input, CliContext context, string option = "--input")
    {
        if (input == "-")
        {
            return new TextLineReader(context.OpenStdin(), "standard input", ownsStream: false);
        }

        var path = context.ResolvePath(input);
        return new TextLineReader(OpenFile(path, input, option), input, ownsStream: true);
    }

    /// <summary>Opens a file for reading with the checks of <see cref="Open"/>.</summary>
    public static FileStream OpenFile(string path, string shownAs, string option)
    {
        if (Directory.Exists(path))
        {
            throw new CliUsageException($"{option} {shownAs}: is a folder; give a file.");
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{option} {shownAs}: file not found.", path);
        }

        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
    }

    /// <summary>
    /// The lines of a file, re-read on every enumeration (for passes such as word2vec's epochs); each is checked as
    /// <see cref="TryReadLine"/> checks it.
    /// </summary>
    public static IEnumerable<string> ReadLines(string path, string shownAs, string option)
    {
        using var reader = new TextLineReader(OpenFile(path, shownAs, option), shownAs, ownsStream: true);
        while (reader.TryReadLine(out var line))
        {
            yield return line;
        }
    }

    /// <summary>Reads the next line as text; false at the end of the input.</summary>
    /// <exception cref="InvalidDataException">The line is not valid UTF-8 or is longer than <see cref="MaxLineBytes"/>.</exception>
    public bool TryReadLine([NotNullWhen(true)] out string? line)
    {
        if (!TryReadLineBytes(out var bytes))
        {
            line = null;
            return false;
        }

        line = Decode(bytes, Name, LineNumber);
        return true;
    }

    /// <summary>Reads the next line's bytes (without <c>\r\n</c> or the byte order mark); valid until the next call.</summary>
    public bool TryReadLineBytes(out ReadOnlySpan<byte> line)
    {
        var atStart = Position == 0;
        var searchFrom = _start;
        while (true)
        {
            var newline = _buffer.AsSpan(searchFrom, _end - searchFrom).IndexOf((byte)'\n');
            int stop;
            if (newline >= 0)
            {
                stop = searchFrom + newline;
            }
            else if (_eof)
            {
                if (_end == _start)
                {
                    line = default;
                    return false;
                }

                stop = _end;
            }
            else
            {
                searchFrom = _end - _start;
                Fill();
                searchFrom += _start;
                continue;
            }

            if (stop - _start > MaxLineBytes)
            {
                throw TooLong();
            }

            line = _buffer.AsSpan(_start, stop - _start);
            _start = Math.Min(stop + 1, _end);
            LineNumber++;
            if (line.Length > 0 && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            if (atStart && line.StartsWith("\uFEFF"u8))
            {
                line = line[3..];
            }

            return true;
        }
    }

    /// <summary>
    /// Moves to byte <paramref name="position"/> of a file (the start of a line), whose line number is
    /// <paramref name="lineNumber"/> + 1.
    /// </summary>
    public void Seek(long position, long lineNumber)
    {
        _stream.Seek(position, SeekOrigin.Begin);
        _bufferOffset = position;
        _start = 0;
        _end = 0;
        _eof = false;
        LineNumber = lineNumber;
    }

    /// <summary>
    /// Decodes one line of strict UTF-8; a line that is not valid is refused by the team's one rule
    /// (<see cref="Qianru.Text.UnicodeText"/>), naming the file, the line and the byte.
    /// </summary>
    public static string Decode(ReadOnlySpan<byte> bytes, string name, long lineNumber)
    {
        if (!Qianru.Text.UnicodeText.TryValidateUtf8(bytes, string.Create(CultureInfo.InvariantCulture, $"{name}:{lineNumber}"), out var error))
        {
            throw new InvalidDataException(error);
        }

        return Encoding.UTF8.GetString(bytes);
    }

    public void Dispose()
    {
        if (_ownsStream)
        {
            _stream.Dispose();
        }
    }

    private InvalidDataException TooLong() => new(string.Create(CultureInfo.InvariantCulture,
        $"{Name}:{LineNumber + 1}: the line is longer than {MaxLineBytes >> 20} MiB, the most one text may have; split it (models truncate long texts anyway)."));

    private void Fill()
    {
        var remaining = _end - _start;
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, remaining);
            _bufferOffset += _start;
        }
        else if (remaining == _buffer.Length)
        {
            if (remaining > MaxLineBytes)
            {
                throw TooLong();
            }

            Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, MaxLineBytes + 2));
        }

        _start = 0;
        _end = remaining;

        // One read: a pipe gives what it has, so lines arriving slowly on standard input are not held back.
        var n = _stream.Read(_buffer, _end, _buffer.Length - _end);
        _eof = n == 0;
        _end += n;
    }
}
