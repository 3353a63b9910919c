using System.Globalization;
using System.Text;

namespace Qianru.Tokenization;

/// <summary>
/// Normalizes a text and splits it into words as Hugging Face's <c>BertNormalizer</c> followed by
/// <c>BertPreTokenizer</c> do: clean text, isolate CJK ideographs, strip accents, lower-case, then split on
/// whitespace and isolate punctuation.
/// </summary>
internal static class BertTextSplitter
{
    public static void Split(string text, BertTokenizerOptions options, List<string> words)
    {
        var normalized = Normalize(text, options);
        var word = new StringBuilder();
        foreach (var r in normalized.EnumerateRunes())
        {
            if (BertUnicode.IsWhitespace(r))
            {
                Flush(word, words);
            }
            else if (BertUnicode.IsPunctuation(r))
            {
                Flush(word, words);
                words.Add(r.ToString());
            }
            else
            {
                Append(word, r);
            }
        }

        Flush(word, words);
    }

    /// <summary>
    /// The words of <see cref="Split"/> with the span of <paramref name="text"/> (UTF-16 start and end) each character
    /// comes from, found by normalizing the text one code point at a time: character <c>k</c> of a word at
    /// <c>Offset</c> comes from <c>Starts[Offset + k]</c> to <c>Ends[Offset + k]</c>. <see langword="null"/> when that
    /// does not reproduce the normalization of the whole text (canonical reordering of combining marks), so no span is
    /// guessed. One pair of arrays for the whole text, not two per word: long texts make little garbage.
    /// </summary>
    public static (List<(string Word, int Offset)> Words, int[] Starts, int[] Ends)? SplitWithSpans(string text, BertTokenizerOptions options)
    {
        var normalized = new StringBuilder(text.Length + 8);
        var starts = new List<int>(text.Length + 8);
        var ends = new List<int>(text.Length + 8);
        var ascii = new string?[128]; // each ASCII character normalized once per call: the same strings, far fewer allocations
        for (var i = 0; i < text.Length;)
        {
            Rune.DecodeFromUtf16(text.AsSpan(i), out _, out var used);
            var piece = text[i] < 128
                ? ascii[text[i]] ??= Normalize(text.Substring(i, 1), options)
                : Normalize(text.Substring(i, used), options);
            normalized.Append(piece);
            for (var c = 0; c < piece.Length; c++)
            {
                starts.Add(i);
                ends.Add(i + used);
            }

            i += used;
        }

        var n = normalized.ToString();
        if (!string.Equals(n, Normalize(text, options), StringComparison.Ordinal))
        {
            return null;
        }

        var result = new List<(string, int)>();
        var wordStart = -1;
        void FlushSpan(int end)
        {
            if (wordStart >= 0)
            {
                result.Add((n[wordStart..end], wordStart));
                wordStart = -1;
            }
        }

        for (var k = 0; k < n.Length;)
        {
            Rune.DecodeFromUtf16(n.AsSpan(k), out var r, out var used);
            if (BertUnicode.IsWhitespace(r))
            {
                FlushSpan(k);
            }
            else if (BertUnicode.IsPunctuation(r))
            {
                FlushSpan(k);
                wordStart = k;
                FlushSpan(k + used);
            }
            else if (wordStart < 0)
            {
                wordStart = k;
            }

            k += used;
        }

        FlushSpan(n.Length);
        return (result, [.. starts], [.. ends]);
    }

    internal static string Normalize(string text, BertTokenizerOptions options)
    {
        var sb = new StringBuilder(text.Length + 8);
        var ascii = true;
        foreach (var r in text.EnumerateRunes())
        {
            if (options.CleanText)
            {
                if (r.Value is 0 or 0xFFFD || BertUnicode.IsControl(r))
                {
                    continue;
                }

                if (BertUnicode.IsWhitespace(r))
                {
                    sb.Append(' ');
                    continue;
                }
            }

            ascii &= r.IsAscii;
            if (options.HandleChineseChars && BertUnicode.IsChineseChar(r.Value))
            {
                Append(sb.Append(' '), r).Append(' ');
            }
            else
            {
                Append(sb, r);
            }
        }

        var s = sb.ToString();
        if (ascii)
        {
            return options.Lowercase ? s.ToLowerInvariant() : s;
        }

        if (options.ShouldStripAccents)
        {
            s = Decompose(s);
        }

        if (!options.ShouldStripAccents && !options.Lowercase)
        {
            return s;
        }

        sb.Clear();
        foreach (var r in s.EnumerateRunes())
        {
            if (options.ShouldStripAccents && BertUnicode.Category(r) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            if (!options.Lowercase)
            {
                Append(sb, r);
            }
            else if (r.Value == 0x130)
            {
                // Full lower-case mapping of U+0130 (SpecialCasing): i followed by COMBINING DOT ABOVE.
                sb.Append("i\u0307");
            }
            else
            {
                Append(sb, Rune.ToLowerInvariant(r));
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// NFD. .NET refuses to normalize a string with unassigned code points or noncharacters, which Hugging Face keeps
    /// (as [UNK]); such a code point has combining class 0 and decomposes to itself, so the text is normalized in the
    /// pieces between them.
    /// </summary>
    private static string Decompose(string s)
    {
        try
        {
            return s.Normalize(NormalizationForm.FormD);
        }
        catch (ArgumentException)
        {
            var sb = new StringBuilder(s.Length + 16);
            var start = 0;
            var i = 0;
            while (i < s.Length)
            {
                Rune.DecodeFromUtf16(s.AsSpan(i), out var r, out var used);
                if (Rune.GetUnicodeCategory(r) == UnicodeCategory.OtherNotAssigned)
                {
                    sb.Append(s.AsSpan(start, i - start).ToString().Normalize(NormalizationForm.FormD));
                    sb.Append(s, i, used);
                    start = i + used;
                }

                i += used;
            }

            sb.Append(s.AsSpan(start).ToString().Normalize(NormalizationForm.FormD));
            return sb.ToString();
        }
    }

    /// <summary>Appends a code point without making a string of it (tokenizing a long text would make one per character).</summary>
    private static StringBuilder Append(StringBuilder sb, Rune r) => r.IsBmp ? sb.Append((char)r.Value) : sb.Append(r.ToString());

    private static void Flush(StringBuilder word, List<string> words)
    {
        if (word.Length > 0)
        {
            words.Add(word.ToString());
            word.Clear();
        }
    }
}
