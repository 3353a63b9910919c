namespace Qianru.Tokenization.SentencePiece;

/// <summary>When Metaspace puts its replacement character before a word (Hugging Face's <c>prepend_scheme</c>).</summary>
internal enum PrependScheme
{
    /// <summary>Before every split that does not start with it.</summary>
    Always,

    /// <summary>Only before the split that starts the original text.</summary>
    First,

    /// <summary>Never.</summary>
    Never,
}

/// <summary>
/// One pre-tokenizer of a Hugging Face tokenizer.json: splits the words of <c>text</c> (ranges of units) into smaller
/// words, possibly rewriting the text into <c>output</c>. A word's origin is where it starts in the original text, as
/// Hugging Face's <c>offsets_original</c> gives it: the segment's start for a whole segment, the span of its first unit
/// for a part of one. Immutable, thread-safe.
/// </summary>
internal abstract class PreTokenizer
{
    public abstract void Split(AlignedText text, List<(int Start, int End, int Origin)> words, AlignedText output, List<(int Start, int End, int Origin)> result);
}

/// <summary>
/// Hugging Face's <c>Metaspace</c>: each space becomes the replacement (▁), which is put before the word per the
/// prepend scheme, then the word is split before every replacement (the replacement stays with what follows).
/// </summary>
internal sealed class MetaspacePreTokenizer(char replacement, PrependScheme scheme, bool split) : PreTokenizer
{
    public char Replacement { get; } = replacement;

    public PrependScheme Scheme { get; } = scheme;

    public override void Split(AlignedText text, List<(int Start, int End, int Origin)> words, AlignedText output, List<(int Start, int End, int Origin)> result)
    {
        output.Clear();
        result.Clear();
        var chars = text.Chars;
        foreach (var (start, end, origin) in words)
        {
            if (start == end)
            {
                continue;
            }

            var begin = output.Length;
            var startsWithReplacement = chars[start] == ' ' || chars[start] == Replacement;
            var prepend = !startsWithReplacement && Scheme switch
            {
                PrependScheme.Always => true,
                PrependScheme.First => origin == 0,
                _ => false,
            };
            if (prepend)
            {
                output.Append(Replacement, text.Starts[start], text.Ends[start]);
            }

            for (var i = start; i < end; i++)
            {
                output.Append(chars[i] == ' ' ? Replacement : chars[i], text.Starts[i], text.Ends[i]);
            }

            if (!split)
            {
                result.Add((begin, output.Length, origin));
                continue;
            }

            var wordStart = begin;
            var written = output.Chars;
            for (var i = begin + 1; i < output.Length; i++)
            {
                if (written[i] == Replacement)
                {
                    result.Add((wordStart, i, wordStart == begin ? origin : output.Starts[wordStart]));
                    wordStart = i;
                }
            }

            result.Add((wordStart, output.Length, wordStart == begin ? origin : output.Starts[wordStart]));
        }
    }
}

/// <summary>Hugging Face's <c>WhitespaceSplit</c>: words are the runs of non-White_Space characters.</summary>
internal sealed class WhitespaceSplitPreTokenizer : PreTokenizer
{
    public override void Split(AlignedText text, List<(int Start, int End, int Origin)> words, AlignedText output, List<(int Start, int End, int Origin)> result)
    {
        output.CopyFrom(text);
        result.Clear();
        var chars = text.Chars;
        foreach (var (start, end, _) in words)
        {
            var i = start;
            while (i < end)
            {
                while (i < end && TextNormalizer.IsWhiteSpace(chars[i]))
                {
                    i++;
                }

                var wordStart = i;
                while (i < end && !TextNormalizer.IsWhiteSpace(chars[i]))
                {
                    i++;
                }

                if (i > wordStart)
                {
                    result.Add((wordStart, i, text.Starts[wordStart]));
                }
            }
        }
    }
}
