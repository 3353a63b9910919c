namespace Qianru.WordVectors;

/// <summary>Reads a stream as lines of bytes (without the newline) through one growing buffer, so multi-GB text files stream.</summary>
internal sealed class ByteLineReader
{
    private readonly Stream _stream;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private bool _eof;

    public ByteLineReader(Stream stream, int bufferSize = 1 << 20)
    {
        _stream = stream;
        _buffer = new byte[bufferSize];
    }

    /// <summary>The number of lines read so far (the 1-based number of the last line returned).</summary>
    public long LineNumber { get; private set; }

    /// <summary>Reads the next line; false at the end. The span is valid until the next call.</summary>
    public bool TryReadLine(out ReadOnlySpan<byte> line)
    {
        var searchFrom = _start;
        while (true)
        {
            var newline = _buffer.AsSpan(searchFrom, _end - searchFrom).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var stop = searchFrom + newline;
                line = _buffer.AsSpan(_start, stop - _start);
                _start = stop + 1;
                LineNumber++;
                return true;
            }

            searchFrom = _end;
            if (_eof)
            {
                if (_end > _start)
                {
                    line = _buffer.AsSpan(_start, _end - _start);
                    _start = _end;
                    LineNumber++;
                    return true;
                }

                line = default;
                return false;
            }

            var consumed = _start;
            Fill();
            searchFrom -= consumed;
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes (or fewer at the end); the span is valid until the next call.</summary>
    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        while (_end - _start < count && !_eof)
        {
            Fill();
        }

        var n = Math.Min(count, _end - _start);
        var result = _buffer.AsSpan(_start, n);
        _start += n;
        return result;
    }

    /// <summary>Reads bytes up to (not including) <paramref name="stop"/>, which is consumed; null at the end of the stream.</summary>
    public bool TryReadUntil(byte stop, out ReadOnlySpan<byte> bytes)
    {
        var searchFrom = _start;
        while (true)
        {
            var at = _buffer.AsSpan(searchFrom, _end - searchFrom).IndexOf(stop);
            if (at >= 0)
            {
                bytes = _buffer.AsSpan(_start, searchFrom + at - _start);
                _start = searchFrom + at + 1;
                return true;
            }

            searchFrom = _end;
            if (_eof)
            {
                bytes = _buffer.AsSpan(_start, _end - _start);
                _start = _end;
                return false;
            }

            var consumed = _start;
            Fill();
            searchFrom -= consumed;
        }
    }

    /// <summary>Peeks at the next byte without consuming it; -1 at the end.</summary>
    public int Peek()
    {
        if (_start == _end && !_eof)
        {
            Fill();
        }

        return _start < _end ? _buffer[_start] : -1;
    }

    /// <summary>Skips one byte.</summary>
    public void Skip() => _start++;

    private void Fill()
    {
        var remaining = _end - _start;
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, remaining);
        }
        else if (remaining == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        _start = 0;
        _end = remaining;
        while (_end < _buffer.Length)
        {
            var n = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (n == 0)
            {
                _eof = true;
                break;
            }

            _end += n;
        }
    }
}
