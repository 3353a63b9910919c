using Qianru.Cli.Infrastructure;

namespace Qianru.Cli.Embedding;

/// <summary>
/// The texts of <c>qianru embed</c> in windows of <see cref="WindowSize"/>: window w holds texts
/// [w × size, (w + 1) × size) of the whole input, whatever part of it a run reads (a shard, or the rest after
/// <c>--resume</c>), so every run embeds the same windows and so the same batches, and gives the same vectors.
/// Reads lazily: at most one window of texts is held.
/// </summary>
internal sealed class TextWindows : IDisposable
{
    private readonly IReadOnlyList<string>? _list;
    private readonly TextLineReader? _reader;
    private readonly bool _jsonl;
    private readonly List<(long Position, long LineNumber)> _windowStarts = [];
    private long _next;
    private long _end = long.MaxValue;

    private TextWindows(IReadOnlyList<string>? list, TextLineReader? reader, bool jsonl, int windowSize)
    {
        _list = list;
        _reader = reader;
        _jsonl = jsonl;
        WindowSize = windowSize;
        Total = list?.Count;
        if (list is not null)
        {
            _end = list.Count;
        }
    }

    public int WindowSize { get; }

    /// <summary>The number of texts in the whole input, once known (a list, or after <see cref="Count"/>).</summary>
    public long? Total { get; private set; }

    /// <summary>The global index of the next text to read.</summary>
    public long Next => _next;

    /// <summary>The index after the last text to read (after <see cref="Select"/>), or <see cref="long.MaxValue"/>: to the end.</summary>
    public long End => _end;

    /// <summary>True when the input can be counted and re-read at an offset (a file, or texts given as arguments).</summary>
    public bool CanSeek => _list is not null || _reader!.CanSeek;

    public static TextWindows FromList(IReadOnlyList<string> texts, int windowSize) => new(texts, null, false, windowSize);

    public static TextWindows FromInput(string input, CliContext context, int windowSize) =>
        new(null, TextLineReader.Open(input, context), TextInput.IsJsonl(input), windowSize);

    /// <summary>Counts the texts of a file in one pass without decoding them, noting where each window starts.</summary>
    public long Count(CancellationToken cancellationToken)
    {
        if (Total is { } known)
        {
            return known;
        }

        var reader = _reader!;
        reader.Seek(0, 0);
        long count = 0;
        while (true)
        {
            if (count % WindowSize == 0)
            {
                _windowStarts.Add((reader.Position, reader.LineNumber));
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (!TextInput.TrySkipText(reader, _jsonl))
            {
                break;
            }

            count++;
        }

        reader.Seek(0, 0);
        _next = 0;
        Total = count;
        return count;
    }

    /// <summary>Reads only the texts [<paramref name="start"/>, <paramref name="end"/>) (start at a window boundary).</summary>
    public void Select(long start, long end)
    {
        _end = end;
        SkipTo(start);
    }

    /// <summary>Moves to text <paramref name="index"/> (ahead of <see cref="Next"/>), without decoding the texts passed.</summary>
    public void SkipTo(long index)
    {
        if (_reader is null)
        {
            _next = index;
            return;
        }

        var window = index / WindowSize;
        if (window < _windowStarts.Count && window * WindowSize > _next)
        {
            var (position, line) = _windowStarts[(int)window];
            _reader.Seek(position, line);
            _next = window * WindowSize;
        }

        while (_next < index && TextInput.TrySkipText(_reader, _jsonl))
        {
            _next++;
        }
    }

    /// <summary>Reads the next text on its own (to check a resumed output against the input); null at the end.</summary>
    public string? ReadOne()
    {
        if (_next >= _end)
        {
            return null;
        }

        if (_list is not null)
        {
            return _list[(int)_next++];
        }

        if (!TextInput.TryReadText(_reader!, _jsonl, out var text))
        {
            return null;
        }

        _next++;
        return text;
    }

    /// <summary>The texts from <see cref="Next"/> to the end of its window (or of the selection); false when none are left.</summary>
    public bool TryReadWindow(out long first, out List<string> texts)
    {
        first = _next;
        var stop = Math.Min(_end, (_next / WindowSize + 1) * WindowSize);
        texts = new List<string>((int)Math.Min(WindowSize, stop - _next));
        while (_next < stop)
        {
            var text = ReadOne();
            if (text is null)
            {
                _end = _next;
                break;
            }

            texts.Add(text);
        }

        return texts.Count > 0;
    }

    public void Dispose() => _reader?.Dispose();
}
