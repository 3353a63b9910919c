namespace Qianru.Tokenization.SentencePiece;

/// <summary>A token of tokenizer.json's <c>added_tokens</c> (special tokens such as <c>&lt;s&gt;</c> and <c>&lt;mask&gt;</c>).</summary>
internal sealed record AddedToken(string Content, int Id, bool SingleWord, bool LeftStrip, bool RightStrip, bool Normalized);

/// <summary>
/// Finds added tokens in text before the model sees it, as Hugging Face's <c>AddedVocabulary</c> does: leftmost-longest,
/// non-overlapping matches; <c>single_word</c> drops a match touching a word character; <c>lstrip</c>/<c>rstrip</c>
/// take the White_Space before/after into the token. Immutable, thread-safe.
/// </summary>
internal sealed class AddedTokenSplitter
{
    private readonly AddedToken[] _tokens; // longest first
    private readonly System.Buffers.SearchValues<char> _firstChars;

    public AddedTokenSplitter(IEnumerable<AddedToken> tokens)
    {
        _tokens = [.. tokens.Where(t => t.Content.Length > 0).OrderByDescending(t => t.Content.Length)];
        _firstChars = System.Buffers.SearchValues.Create([.. _tokens.Select(t => t.Content[0]).Distinct()]);
    }

    public bool IsEmpty => _tokens.Length == 0;

    /// <summary>
    /// Splits <paramref name="text"/> into segments covering it: (start, end, id) with the added token's id, or -1 for
    /// ordinary text. An empty text gives one empty segment.
    /// </summary>
    public void Split(ReadOnlySpan<char> text, List<(int Start, int End, int Id)> segments)
    {
        segments.Clear();
        var done = 0;
        var i = 0;
        while (i < text.Length)
        {
            var next = text[i..].IndexOfAny(_firstChars);
            if (next < 0)
            {
                break;
            }

            i += next;
            if (Match(text, i) is not { } token)
            {
                i++;
                continue;
            }

            var start = i;
            var stop = i + token.Content.Length;
            i = stop;
            if (token.SingleWord && ((start > 0 && IsWordChar(text, start, before: true)) || (stop < text.Length && IsWordChar(text, stop, before: false))))
            {
                continue;
            }

            if (token.LeftStrip)
            {
                var s = start;
                while (s > 0 && TextNormalizer.IsWhiteSpace(text[s - 1]))
                {
                    s--;
                }

                start = Math.Max(s, done);
            }

            if (token.RightStrip)
            {
                while (stop < text.Length && TextNormalizer.IsWhiteSpace(text[stop]))
                {
                    stop++;
                }
            }

            if (done < start)
            {
                segments.Add((done, start, -1));
            }

            segments.Add((start, stop, token.Id));
            done = stop;
        }

        if (done < text.Length || segments.Count == 0)
        {
            segments.Add((done, text.Length, -1));
        }
    }

    private AddedToken? Match(ReadOnlySpan<char> text, int at)
    {
        foreach (var token in _tokens)
        {
            if (text[at..].StartsWith(token.Content, StringComparison.Ordinal))
            {
                return token;
            }
        }

        return null;
    }

    // Rust regex \w: alphabetic, marks, decimal digits, connector punctuation (and join controls).
    private static bool IsWordChar(ReadOnlySpan<char> text, int index, bool before)
    {
        int cp;
        if (before)
        {
            var c = text[index - 1];
            cp = char.IsLowSurrogate(c) && index >= 2 && char.IsHighSurrogate(text[index - 2]) ? char.ConvertToUtf32(text[index - 2], c) : c;
        }
        else
        {
            var c = text[index];
            cp = char.IsHighSurrogate(c) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]) ? char.ConvertToUtf32(c, text[index + 1]) : c;
        }

        if (cp is 0x200C or 0x200D)
        {
            return true;
        }

        var category = System.Globalization.CharUnicodeInfo.GetUnicodeCategory(cp);
        return category is System.Globalization.UnicodeCategory.UppercaseLetter or System.Globalization.UnicodeCategory.LowercaseLetter
            or System.Globalization.UnicodeCategory.TitlecaseLetter or System.Globalization.UnicodeCategory.ModifierLetter
            or System.Globalization.UnicodeCategory.OtherLetter or System.Globalization.UnicodeCategory.LetterNumber
            or System.Globalization.UnicodeCategory.NonSpacingMark or System.Globalization.UnicodeCategory.SpacingCombiningMark
            or System.Globalization.UnicodeCategory.EnclosingMark or System.Globalization.UnicodeCategory.DecimalDigitNumber
            or System.Globalization.UnicodeCategory.ConnectorPunctuation;
    }
}
