using System.Globalization;
using System.Text.RegularExpressions;

namespace Qianru.Tokenization.SentencePiece;

/// <summary>One normalizer of a Hugging Face tokenizer.json, applied with alignments. Immutable, thread-safe.</summary>
internal abstract class TextNormalizer
{
    /// <summary>Writes the normalized form of <paramref name="input"/> to <paramref name="output"/> (cleared first).</summary>
    public abstract void Normalize(AlignedText input, AlignedText output);

    /// <summary>Unicode White_Space, which Rust's <c>char::is_whitespace</c> and its regex <c>\s</c> test.</summary>
    public static bool IsWhiteSpace(char c) => c switch
    {
        >= '\t' and <= '\r' or ' ' or '\u0085' or '\u00A0' or '\u1680' => true,
        >= '\u2000' and <= '\u200A' or '\u2028' or '\u2029' or '\u202F' or '\u205F' or '\u3000' => true,
        _ => false,
    };
}

/// <summary>
/// Hugging Face's <c>Precompiled</c> normalizer: SentencePiece's charsmap applied per extended grapheme cluster. A
/// cluster of under 6 UTF-8 bytes is replaced whole by the rule of its shortest matching prefix, if any; otherwise each
/// code point is replaced by its own rule or kept (tokenizers' <c>normalizers/precompiled.rs</c>).
/// </summary>
internal sealed class PrecompiledNormalizer(PrecompiledCharsMap map) : TextNormalizer
{
    public PrecompiledCharsMap Map { get; } = map;

    public override void Normalize(AlignedText input, AlignedText output)
    {
        output.Clear();
        var chars = input.Chars;
        var starts = input.Starts;
        var ends = input.Ends;
        var n = chars.Length;

        // Text removed before anything was written: its start goes to the next unit written, so that the first word
        // still begins at the text's start (Hugging Face's alignments do the same there).
        var pendingStart = int.MaxValue;
        var i = 0;
        while (i < n)
        {
            var length = GraphemeLength(chars, i);
            var begin = output.Length;
            if (length == 1 && !char.IsSurrogate(chars[i]))
            {
                var replacement = Map.Lookup(chars[i]);
                if (replacement is null)
                {
                    output.Append(chars[i], starts[i], ends[i]);
                }
                else
                {
                    output.Append(replacement, starts[i], ends[i]);
                }
            }
            else
            {
                var grapheme = chars.Slice(i, length);
                var whole = Utf8Length(grapheme) < 6 ? Map.Lookup(grapheme) : null;
                if (whole is not null)
                {
                    output.Append(whole, starts[i], ends[i + length - 1]);
                }
                else
                {
                    var j = i;
                    while (j < i + length)
                    {
                        var width = char.IsHighSurrogate(chars[j]) && j + 1 < i + length && char.IsLowSurrogate(chars[j + 1]) ? 2 : 1;
                        var replacement = width == 2 ? Map.Lookup(chars.Slice(j, 2))
                            : char.IsSurrogate(chars[j]) ? null : Map.Lookup(chars[j]);
                        if (replacement is null)
                        {
                            output.Append(chars.Slice(j, width), starts[j], ends[j + width - 1]);
                        }
                        else
                        {
                            output.Append(replacement, starts[j], ends[j + width - 1]);
                        }

                        j += width;
                    }
                }
            }

            if (output.Length == 0)
            {
                pendingStart = Math.Min(pendingStart, starts[i]);
            }
            else if (pendingStart != int.MaxValue && begin == 0)
            {
                output.ExtendStart(0, pendingStart);
                pendingStart = int.MaxValue;
            }

            i += length;
        }
    }

    /// <summary>The UTF-16 length of the extended grapheme cluster at <paramref name="i"/>.</summary>
    internal static int GraphemeLength(ReadOnlySpan<char> chars, int i)
    {
        if (i + 1 >= chars.Length)
        {
            return chars.Length - i;
        }

        // Two neighbours from the common ranges below never join (no Extend, SpacingMark, ZWJ, Prepend, Hangul jamo or
        // regional indicator among them); anything else asks .NET's extended grapheme cluster rules.
        if (IsIsolated(chars[i]) && IsIsolated(chars[i + 1]))
        {
            return 1;
        }

        return StringInfo.GetNextTextElementLength(chars[i..]);
    }

    // Code points with a grapheme break before and after them whenever the neighbour is one of them too: Latin up to
    // U+02FF (no Extend, SpacingMark, Prepend or Hangul there; CR excluded for CR LF), general punctuation
    // U+2010..U+2027, CJK symbols U+3000..U+3029, kana, CJK ideographs and full-width forms.
    private static bool IsIsolated(char c) => c switch
    {
        < '\u0300' => c != '\r',
        >= '\u4E00' and <= '\u9FFF' or >= '\u3400' and <= '\u4DBF' => true,
        >= '\u2010' and <= '\u2027' or >= '\u3000' and <= '\u3029' or >= '\uFF01' and <= '\uFF5E' => true,
        >= '\u3041' and <= '\u3096' or >= '\u30A1' and <= '\u30FA' => true,
        _ => false,
    };

    private static int Utf8Length(ReadOnlySpan<char> text)
    {
        var bytes = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c < 0x80)
            {
                bytes += 1;
            }
            else if (c < 0x800)
            {
                bytes += 2;
            }
            else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                bytes += 4;
                i++;
            }
            else
            {
                bytes += 3;
            }
        }

        return bytes;
    }
}

/// <summary>
/// Hugging Face's <c>Replace</c> normalizer: every leftmost, non-overlapping match of a literal string or a regular
/// expression becomes <c>content</c>, whose units take the span of the match's last unit.
/// </summary>
internal sealed class ReplaceNormalizer : TextNormalizer
{
    private readonly string? _literal;
    private readonly Regex? _regex;
    private readonly char _runChar;
    private readonly int _runMinimum;
    private readonly string _content;

    public ReplaceNormalizer(string? literal, string? regex, string content, string source)
    {
        _content = content;
        if (literal is not null)
        {
            if (literal.Length == 0)
            {
                throw new NotSupportedException($"{source}: a Replace normalizer with an empty pattern is not supported.");
            }

            _literal = literal;
            return;
        }

        // The converters' pattern " {2,}" (runs of two or more spaces) runs without the regex engine.
        var run = Regex.Match(regex!, @"^(?:(?<c>[^\\\[\]\(\)\{\}\.\*\+\?\|\^\$])|\\(?<c>[\\\[\]\(\)\{\}\.\*\+\?\|\^\$ ]))\{(?<n>[1-9][0-9]?),\}$");
        if (run.Success)
        {
            _runChar = run.Groups["c"].Value[0];
            _runMinimum = int.Parse(run.Groups["n"].Value, CultureInfo.InvariantCulture);
            return;
        }

        try
        {
            _regex = new Regex(regex!, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(5));
        }
        catch (ArgumentException ex)
        {
            throw new NotSupportedException($"{source}: the Replace normalizer's regex \"{regex}\" is not supported ({ex.Message}).", ex);
        }
    }

    public override void Normalize(AlignedText input, AlignedText output)
    {
        output.Clear();
        var chars = input.Chars;
        var last = 0;
        foreach (var (start, length) in Matches(chars))
        {
            output.AppendFrom(input, last, start);
            var end = start + length;
            output.Append(_content, input.Starts[end - 1], input.Ends[end - 1]);
            last = end;
        }

        output.AppendFrom(input, last, chars.Length);
    }

    private List<(int Start, int Length)> Matches(ReadOnlySpan<char> chars)
    {
        var matches = new List<(int, int)>();
        if (_literal is not null)
        {
            var at = 0;
            while (at <= chars.Length - _literal.Length)
            {
                var found = chars[at..].IndexOf(_literal, StringComparison.Ordinal);
                if (found < 0)
                {
                    break;
                }

                matches.Add((at + found, _literal.Length));
                at += found + _literal.Length;
            }
        }
        else if (_regex is null)
        {
            var i = 0;
            while (i < chars.Length)
            {
                var found = chars[i..].IndexOf(_runChar);
                if (found < 0)
                {
                    break;
                }

                var start = i + found;
                var end = start;
                while (end < chars.Length && chars[end] == _runChar)
                {
                    end++;
                }

                if (end - start >= _runMinimum)
                {
                    matches.Add((start, end - start));
                }

                i = end;
            }
        }
        else
        {
            foreach (var m in _regex.EnumerateMatches(chars))
            {
                if (m.Length > 0)
                {
                    matches.Add((m.Index, m.Length));
                }
            }
        }

        return matches;
    }
}

/// <summary>Hugging Face's <c>Strip</c> normalizer: removes White_Space at the start and/or end.</summary>
internal sealed class StripNormalizer(bool left, bool right) : TextNormalizer
{
    public override void Normalize(AlignedText input, AlignedText output)
    {
        output.Clear();
        var chars = input.Chars;
        var start = 0;
        var end = chars.Length;
        while (left && start < end && IsWhiteSpace(chars[start]))
        {
            start++;
        }

        while (right && end > start && IsWhiteSpace(chars[end - 1]))
        {
            end--;
        }

        output.AppendFrom(input, start, end);
    }
}
