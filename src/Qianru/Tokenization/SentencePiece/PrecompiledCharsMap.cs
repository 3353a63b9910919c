using System.Buffers.Binary;
using System.Text;

namespace Qianru.Tokenization.SentencePiece;

/// <summary>
/// SentencePiece's compiled normalization rules (<c>normalizer_spec.precompiled_charsmap</c>, e.g. nmt_nfkc): a
/// darts-clone double-array trie over UTF-8 keys whose leaves point into a block of NUL-terminated replacement strings.
/// </summary>
/// <remarks>
/// Layout (little-endian): <c>u32 trie_size</c> in bytes, <c>trie_size / 4</c> u32 units, then the replacement strings.
/// A lookup returns the replacement of the <em>shortest</em> key that is a prefix of the input, stopping at a NUL byte,
/// as Hugging Face's tokenizers does (its <c>spm_precompiled</c> crate). Lookups never read more than
/// <see cref="MaxKeyBytes"/> bytes, so the trie is checked to that depth when loaded: a blob that would index outside
/// itself, or whose replacements are not UTF-8, is refused there rather than failing on some later input.
/// </remarks>
internal sealed class PrecompiledCharsMap
{
    /// <summary>The longest input a lookup reads: graphemes of under 6 UTF-8 bytes, or one code point.</summary>
    public const int MaxKeyBytes = 5;

    private readonly uint[] _units;
    private readonly Dictionary<int, string> _replacements = [];

    // For each BMP char (surrogates excluded): the index of its replacement in _replacementList, or -1.
    private readonly int[] _bmp = new int[0x10000];
    private readonly string[] _replacementList;

    private PrecompiledCharsMap(uint[] units, byte[] normalized, string source)
    {
        _units = units;
        Validate(normalized, source);
        _replacementList = [.. _replacements.OrderBy(p => p.Key).Select(p => p.Value)];
        var indexOf = new Dictionary<int, int>();
        var k = 0;
        foreach (var key in _replacements.Keys.Order())
        {
            indexOf[key] = k++;
        }

        Span<byte> utf8 = stackalloc byte[4];
        for (var c = 0; c < 0x10000; c++)
        {
            _bmp[c] = -1;
            if (c is >= 0xD800 and <= 0xDFFF)
            {
                continue;
            }

            var n = new Rune(c).EncodeToUtf8(utf8);
            var value = ShortestMatch(utf8[..n]);
            if (value >= 0)
            {
                _bmp[c] = indexOf[value];
            }
        }
    }

    /// <summary>Whether the map has no rule at all (an empty trie).</summary>
    public bool IsEmpty => _replacements.Count == 0;

    /// <summary>Parses and checks a charsmap blob.</summary>
    /// <exception cref="InvalidDataException">The blob is truncated or corrupt; the message names <paramref name="source"/>.</exception>
    public static PrecompiledCharsMap Parse(ReadOnlySpan<byte> blob, string source)
    {
        if (blob.Length < 4)
        {
            throw Corrupt(source, $"{blob.Length} bytes, shorter than its 4-byte header");
        }

        var trieBytes = BinaryPrimitives.ReadUInt32LittleEndian(blob);
        var unitCount = trieBytes / 4;
        if (unitCount > (uint)(blob.Length - 4) / 4)
        {
            throw Corrupt(source, $"the header claims a {trieBytes}-byte trie but only {blob.Length - 4} bytes follow");
        }

        var units = new uint[unitCount];
        for (var i = 0; i < units.Length; i++)
        {
            units[i] = BinaryPrimitives.ReadUInt32LittleEndian(blob[(4 + 4 * i)..]);
        }

        var normalized = blob[(4 + (int)unitCount * 4)..].ToArray();
        return new PrecompiledCharsMap(units, normalized, source);
    }

    /// <summary>The replacement of a BMP char (not a surrogate), or <see langword="null"/> when it has no rule.</summary>
    public string? Lookup(char c)
    {
        var i = _bmp[c];
        return i < 0 ? null : _replacementList[i];
    }

    /// <summary>
    /// The replacement of the shortest rule that is a prefix of <paramref name="text"/> (at most
    /// <see cref="MaxKeyBytes"/> UTF-8 bytes), or <see langword="null"/>.
    /// </summary>
    public string? Lookup(ReadOnlySpan<char> text)
    {
        Span<byte> utf8 = stackalloc byte[16];
        if (Encoding.UTF8.GetByteCount(text) > MaxKeyBytes)
        {
            throw new ArgumentException("Charsmap lookups read at most 5 UTF-8 bytes.", nameof(text));
        }

        var n = Encoding.UTF8.GetBytes(text, utf8);
        var value = ShortestMatch(utf8[..n]);
        return value < 0 ? null : _replacements[value];
    }

    private static bool HasLeaf(uint unit) => ((unit >> 8) & 1) == 1;

    private static int Value(uint unit) => (int)(unit & 0x7FFFFFFFu);

    private static uint Label(uint unit) => unit & 0x800000FFu;

    private static uint Offset(uint unit) => (unit >> 10) << (int)((unit & (1u << 9)) >> 6);

    private int ShortestMatch(ReadOnlySpan<byte> key)
    {
        if (_units.Length == 0)
        {
            return -1;
        }

        var pos = Offset(_units[0]);
        foreach (var c in key)
        {
            if (c == 0)
            {
                break;
            }

            pos ^= c;
            var unit = _units[pos];
            if (Label(unit) != c)
            {
                return -1;
            }

            pos ^= Offset(unit);
            if (HasLeaf(unit))
            {
                return Value(_units[pos]);
            }
        }

        return -1;
    }

    private void Validate(byte[] normalized, string source)
    {
        try
        {
            _ = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(normalized);
        }
        catch (DecoderFallbackException)
        {
            throw Corrupt(source, "its replacement strings are not valid UTF-8");
        }

        if (_units.Length == 0)
        {
            return;
        }

        // Walk every node a lookup can reach (keys of 1..MaxKeyBytes bytes, any byte but NUL), checking each index;
        // Hugging Face's search goes on below the first leaf, so this does too.
        var stack = new Stack<(uint Pos, int Depth)>();
        stack.Push((Offset(_units[0]), 0));
        while (stack.Count > 0)
        {
            var (pos, depth) = stack.Pop();
            for (uint c = 1; c <= 0xFF; c++)
            {
                var child = pos ^ c;
                if (child >= _units.Length)
                {
                    throw Corrupt(source, $"a trie transition points to unit {child} of {_units.Length}");
                }

                var unit = _units[child];
                if (Label(unit) != c)
                {
                    continue;
                }

                var next = child ^ Offset(unit);
                if (next >= _units.Length)
                {
                    throw Corrupt(source, $"a trie node points to unit {next} of {_units.Length}");
                }

                if (HasLeaf(unit))
                {
                    var value = Value(_units[next]);
                    if (!_replacements.ContainsKey(value))
                    {
                        _replacements[value] = ReplacementAt(normalized, value, source);
                    }
                }

                if (depth + 1 < MaxKeyBytes)
                {
                    stack.Push((next, depth + 1));
                }
            }
        }
    }

    private static string ReplacementAt(byte[] normalized, int start, string source)
    {
        if (start > normalized.Length || (start < normalized.Length && (normalized[start] & 0xC0) == 0x80))
        {
            throw Corrupt(source, $"a rule points to byte {start} of its {normalized.Length}-byte replacement block");
        }

        var end = Array.IndexOf(normalized, (byte)0, start);
        return Encoding.UTF8.GetString(normalized, start, (end < 0 ? normalized.Length : end) - start);
    }

    private static InvalidDataException Corrupt(string source, string why) =>
        new($"{source}: the precompiled_charsmap is corrupt ({why}).");
}
