using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Qianru.Text;

/// <summary>
/// Qianru's one rule for text that is not valid Unicode: it is <b>refused</b>, naming the item, never silently
/// repaired. Invalid UTF-8 (a stray byte, an overlong or truncated sequence, an encoded surrogate) and lone UTF-16
/// surrogates (such as a JSON <c>"\ud800"</c> escape) are errors; the server answers them with HTTP 400 and the CLI
/// with exit code 2.
/// </summary>
/// <remarks>
/// Refusing rather than replacing with U+FFFD keeps a corrupted input from turning into a plausible vector: a BERT
/// tokenizer drops U+FFFD, so a replaced text would embed as if the bad bytes were not there. All members are
/// thread-safe.
/// </remarks>
public static class UnicodeText
{
    /// <summary>UTF-8 without a byte-order mark that throws <see cref="DecoderFallbackException"/> on invalid bytes, for readers that must not repair text.</summary>
    public static UTF8Encoding StrictUtf8 { get; } = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The index of the first UTF-16 unit of <paramref name="text"/> that is a lone surrogate, or -1 when the text is valid Unicode.</summary>
    public static int IndexOfInvalid(ReadOnlySpan<char> text)
    {
        // Fast path: most text holds no surrogate at all.
        var first = text.IndexOfAnyInRange('\uD800', '\uDFFF');
        if (first < 0)
        {
            return -1;
        }

        for (var i = first; i < text.Length; i++)
        {
            var c = text[i];
            if (!char.IsSurrogate(c))
            {
                continue;
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }

            return i;
        }

        return -1;
    }

    /// <summary>The offset of the first byte of <paramref name="utf8"/> that is not part of a well-formed UTF-8 sequence, or -1 when it is valid.</summary>
    public static int IndexOfInvalidUtf8(ReadOnlySpan<byte> utf8)
    {
        if (System.Text.Unicode.Utf8.IsValid(utf8))
        {
            return -1;
        }

        var offset = 0;
        while (offset < utf8.Length)
        {
            var status = Rune.DecodeFromUtf8(utf8[offset..], out _, out var used);
            if (status != OperationStatus.Done)
            {
                return offset;
            }

            offset += used;
        }

        return -1;
    }

    /// <summary>
    /// Checks that <paramref name="text"/> is valid Unicode; when it is not, <paramref name="error"/> says so in one
    /// line that names <paramref name="item"/> (e.g. <c>'input[3]'</c>, <c>line 12 of texts.jsonl</c>) and where.
    /// </summary>
    public static bool TryValidate(ReadOnlySpan<char> text, string item, [NotNullWhen(false)] out string? error)
    {
        var index = IndexOfInvalid(text);
        error = index < 0 ? null : Message(item, $"a lone surrogate U+{(int)text[index]:X4} at character {index}");
        return error is null;
    }

    /// <summary>
    /// Checks that <paramref name="utf8"/> is valid UTF-8 without encoded surrogates; when it is not,
    /// <paramref name="error"/> names <paramref name="item"/>, the byte and its offset.
    /// </summary>
    public static bool TryValidateUtf8(ReadOnlySpan<byte> utf8, string item, [NotNullWhen(false)] out string? error)
    {
        var offset = IndexOfInvalidUtf8(utf8);
        error = offset < 0 ? null : Message(item, $"invalid UTF-8 byte 0x{utf8[offset]:X2} at byte {offset}");
        return error is null;
    }

    /// <summary>Throws <see cref="QianruException"/> naming <paramref name="item"/> when <paramref name="text"/> is not valid Unicode.</summary>
    /// <exception cref="QianruException">The text holds a lone surrogate.</exception>
    public static void Validate(ReadOnlySpan<char> text, string item)
    {
        if (!TryValidate(text, item, out var error))
        {
            throw new QianruException(error);
        }
    }

    /// <summary>
    /// The string value of a JSON string <paramref name="element"/>, or a <see cref="QianruException"/> naming
    /// <paramref name="item"/> when its bytes are not valid UTF-8 or its escapes decode to a lone surrogate
    /// (<c>"\ud800"</c>). System.Text.Json parses such documents and fails only when the string is read; this turns
    /// that failure into the rule's message.
    /// </summary>
    /// <exception cref="InvalidOperationException"><paramref name="element"/> is not a JSON string.</exception>
    /// <exception cref="QianruException">The string is not valid Unicode.</exception>
    public static string GetString(JsonElement element, string item)
    {
        if (element.ValueKind != JsonValueKind.String)
        {
            throw new InvalidOperationException($"{item} is {element.ValueKind}, not a JSON string.");
        }

        try
        {
            return element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // The raw value of a string includes its quotes.
            var raw = JsonMarshal.GetRawUtf8Value(element);
            throw new QianruException(DescribeJsonString(raw.Length >= 2 ? raw[1..^1] : raw, item));
        }
    }

    /// <summary>Says what is wrong with the raw bytes of a JSON string (between its quotes, escapes not decoded).</summary>
    private static string DescribeJsonString(ReadOnlySpan<byte> raw, string item)
    {
        if (!TryValidateUtf8(raw, item, out var error))
        {
            return error;
        }

        // The bytes are valid, so an escape decodes to a lone surrogate: find the first unpaired \uD800-\uDFFF.
        for (var i = 0; i + 5 < raw.Length; i++)
        {
            if (raw[i] != '\\')
            {
                continue;
            }

            if (raw[i + 1] != 'u')
            {
                i++; // skip the escaped character, e.g. \\ or \"
                continue;
            }

            var unit = ParseHex4(raw.Slice(i + 2, 4));
            if (unit is >= 0xD800 and <= 0xDBFF && i + 11 < raw.Length && raw[i + 6] == '\\' && raw[i + 7] == 'u'
                && ParseHex4(raw.Slice(i + 8, 4)) is >= 0xDC00 and <= 0xDFFF)
            {
                i += 11;
                continue;
            }

            if (unit is >= 0xD800 and <= 0xDFFF)
            {
                return Message(item, $"a lone surrogate escape \\u{unit:x4} at byte {i} of the string");
            }

            i += 5;
        }

        return Message(item, "text that cannot be decoded");
    }

    private static int ParseHex4(ReadOnlySpan<byte> hex) =>
        int.TryParse(Encoding.ASCII.GetString(hex), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value) ? value : -1;

    private static string Message(string item, string what) =>
        $"{item} is not valid Unicode: it holds {what}. Send UTF-8 text; Qianru refuses invalid text rather than guessing what it meant.";
}
