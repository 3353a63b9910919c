using System.Text;
using System.Text.Json;
using Qianru.Text;

namespace Qianru.Tests.Text;

/// <summary>The one rule for text that is not valid Unicode: found exactly, refused with a message naming the item.</summary>
public sealed class UnicodeTextTests
{
    // Built at run time: attribute arguments are stored as UTF-8, which cannot hold a lone surrogate.
    public static TheoryData<string, int> SurrogateCases => new()
    {
        { "plain text", -1 },
        { "嵌入 😀 Café", -1 },
        { "a\uD800b", 1 },
        { "ab\uDC00", 2 },
        { "\uDE00\uD83D", 0 },
        { "😀\uD83D", 2 },
        { "\uD83D", 0 },
    };

    [Theory]
    [MemberData(nameof(SurrogateCases), DisableDiscoveryEnumeration = true)]
    public void LoneSurrogatesAreFound(string text, int expected)
    {
        Assert.Equal(expected, UnicodeText.IndexOfInvalid(text));
        Assert.Equal(expected < 0, UnicodeText.TryValidate(text, "'x'", out var error));
        if (expected >= 0)
        {
            Assert.Equal($"'x' is not valid Unicode: it holds a lone surrogate U+{(int)text[expected]:X4} at character {expected}. Send UTF-8 text; Qianru refuses invalid text rather than guessing what it meant.", error);
            Assert.Contains("line 3 of in.jsonl", Assert.Throws<QianruException>(() => UnicodeText.Validate(text, "line 3 of in.jsonl")).Message, StringComparison.Ordinal);
        }
    }

    public static TheoryData<byte[], int> Utf8Cases => new()
    {
        { Encoding.UTF8.GetBytes("嵌入 😀 Café"), -1 },
        { [0x61, 0xFF, 0x62], 1 },
        { [0x61, 0xC3], 1 },                   // truncated two-byte sequence
        { [0xC0, 0xAF], 0 },                   // overlong '/'
        { [0x61, 0x62, 0xED, 0xA0, 0x80], 2 }, // an encoded surrogate (CESU-8)
        { [0xF4, 0x90, 0x80, 0x80], 0 },       // above U+10FFFF
        { [0xE4, 0xB8, 0x61], 0 },             // a sequence cut by ASCII
    };

    [Theory]
    [MemberData(nameof(Utf8Cases))]
    public void InvalidUtf8IsFoundAtItsFirstByte(byte[] bytes, int expected)
    {
        Assert.Equal(expected, UnicodeText.IndexOfInvalidUtf8(bytes));
        Assert.Equal(expected < 0, UnicodeText.TryValidateUtf8(bytes, "the file", out var error));
        if (expected >= 0)
        {
            Assert.StartsWith($"the file is not valid Unicode: it holds invalid UTF-8 byte 0x{bytes[expected]:X2} at byte {expected}.", error, StringComparison.Ordinal);
            Assert.Throws<DecoderFallbackException>(() => UnicodeText.StrictUtf8.GetString(bytes));
        }
        else
        {
            Assert.Equal(Encoding.UTF8.GetString(bytes), UnicodeText.StrictUtf8.GetString(bytes));
        }
    }

    [Theory]
    [InlineData("""{"a":"x\ud800y"}""", "a lone surrogate escape \\ud800 at byte 1 of the string")]
    [InlineData("""{"a":"\"\\\udc00"}""", "a lone surrogate escape \\udc00 at byte 4 of the string")]
    [InlineData("""{"a":"\ud83d\ude00\ud83d"}""", "a lone surrogate escape \\ud83d at byte 12 of the string")]
    [InlineData("""{"a":"\ude00\ud83d"}""", "a lone surrogate escape \\ude00 at byte 0 of the string")]
    public void JsonEscapesThatDecodeToLoneSurrogatesAreRefused(string json, string expected)
    {
        using var document = JsonDocument.Parse(json);
        var error = Assert.Throws<QianruException>(() => UnicodeText.GetString(document.RootElement.GetProperty("a"), "'a'"));
        Assert.Equal($"'a' is not valid Unicode: it holds {expected}. Send UTF-8 text; Qianru refuses invalid text rather than guessing what it meant.", error.Message);
    }

    [Fact]
    public void JsonStringsWithInvalidBytesAreRefusedAndValidOnesRead()
    {
        byte[] bytes = [.. Encoding.ASCII.GetBytes("{\"a\":\"ok"), 0xFE, .. Encoding.ASCII.GetBytes("\",\"b\":\"smile \\ud83d\\ude00 \\u00e9\"}")];
        using var document = JsonDocument.Parse(bytes);
        var error = Assert.Throws<QianruException>(() => UnicodeText.GetString(document.RootElement.GetProperty("a"), "'a'"));
        Assert.Contains("'a' is not valid Unicode: it holds invalid UTF-8 byte 0xFE at byte 2", error.Message, StringComparison.Ordinal);
        Assert.Equal("smile 😀 é", UnicodeText.GetString(document.RootElement.GetProperty("b"), "'b'"));
    }
}
