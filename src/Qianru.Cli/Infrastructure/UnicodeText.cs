using System.Buffers;
using System.Text;

namespace Qianru.Cli.Infrastructure;

/// <summary>
/// Finds text that is not valid Unicode: bytes that are not UTF-8, and UTF-16 strings holding an unpaired surrogate
/// (as a JSON escape such as <c>\ud800</c> decodes to). The team's rule: such text is refused, naming the item.
/// </summary>
internal static class UnicodeText
{
    /// <summary>The index of the first byte that does not start a valid UTF-8 sequence, or -1.</summary>
    public static int IndexOfInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        var at = 0;
        while (at < bytes.Length)
        {
            if (Rune.DecodeFromUtf8(bytes[at..], out _, out var consumed) != OperationStatus.Done)
            {
                return at;
            }

            at += consumed;
        }

        return -1;
    }

    /// <summary>The index of the first unpaired surrogate in <paramref name="text"/>, or -1.</summary>
    public static int IndexOfLoneSurrogate(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
