namespace Qianru.Tokenization.SentencePiece;

/// <summary>
/// Text being normalized, each UTF-16 unit with the [start, end) of the original text it comes from (what Hugging
/// Face's <c>NormalizedString</c> keeps as alignments). Reused across calls; not thread-safe.
/// </summary>
internal sealed class AlignedText
{
    private char[] _chars = new char[256];
    private int[] _starts = new int[256];
    private int[] _ends = new int[256];

    public int Length { get; private set; }

    public ReadOnlySpan<char> Chars => _chars.AsSpan(0, Length);

    public ReadOnlySpan<int> Starts => _starts.AsSpan(0, Length);

    public ReadOnlySpan<int> Ends => _ends.AsSpan(0, Length);

    public char this[int index] => _chars[index];

    public void Clear() => Length = 0;

    /// <summary>Resets to <paramref name="text"/>, whose units start at <paramref name="offset"/> in the original.</summary>
    public void SetOriginal(ReadOnlySpan<char> text, int offset)
    {
        Length = 0;
        Reserve(text.Length);
        text.CopyTo(_chars);
        for (var i = 0; i < text.Length; i++)
        {
            _starts[i] = offset + i;
            _ends[i] = offset + i + 1;
        }

        Length = text.Length;
    }

    public void Append(char c, int start, int end)
    {
        if (Length == _chars.Length)
        {
            Reserve(Length + 1);
        }

        _chars[Length] = c;
        _starts[Length] = start;
        _ends[Length] = end;
        Length++;
    }

    /// <summary>Appends every unit of <paramref name="text"/> with the same original span.</summary>
    public void Append(ReadOnlySpan<char> text, int start, int end)
    {
        Reserve(Length + text.Length);
        foreach (var c in text)
        {
            _chars[Length] = c;
            _starts[Length] = start;
            _ends[Length] = end;
            Length++;
        }
    }

    /// <summary>Appends units <paramref name="from"/>..<paramref name="to"/> of <paramref name="source"/> with their spans.</summary>
    public void AppendFrom(AlignedText source, int from, int to)
    {
        var n = to - from;
        Reserve(Length + n);
        source._chars.AsSpan(from, n).CopyTo(_chars.AsSpan(Length));
        source._starts.AsSpan(from, n).CopyTo(_starts.AsSpan(Length));
        source._ends.AsSpan(from, n).CopyTo(_ends.AsSpan(Length));
        Length += n;
    }

    /// <summary>Moves the start of unit <paramref name="index"/> back to <paramref name="start"/>.</summary>
    public void ExtendStart(int index, int start) => _starts[index] = Math.Min(_starts[index], start);

    public void CopyFrom(AlignedText other)
    {
        Length = 0;
        AppendFrom(other, 0, other.Length);
    }

    private void Reserve(int capacity)
    {
        if (capacity <= _chars.Length)
        {
            return;
        }

        var size = Math.Max(capacity, _chars.Length * 2);
        Array.Resize(ref _chars, size);
        Array.Resize(ref _starts, size);
        Array.Resize(ref _ends, size);
    }
}
