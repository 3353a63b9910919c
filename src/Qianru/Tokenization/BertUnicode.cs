using System.Globalization;
using System.Text;

namespace Qianru.Tokenization;

/// <summary>
/// The character classes of Hugging Face's BERT normalizer and pre-tokenizer (tokenizers, Rust), on .NET's
/// Unicode data.
/// </summary>
internal static class BertUnicode
{
    /// <summary>
    /// Code points whose Unicode category changed after the tables Hugging Face's tokenizers use (the
    /// unicode_categories crate, Unicode 9-era): they were unassigned there, so the tokenizer treats them as ordinary
    /// word characters, while .NET knows them as marks, punctuation or format characters. Found by the full-Unicode
    /// differential test against Hugging Face's tokenizer (HuggingFaceOracleTests.Every_code_point_matches).
    /// </summary>
    private static readonly (int First, int Last)[] LegacyUnassigned =
    [
        (0x61D, 0x61D), (0x7FD, 0x7FD), (0x890, 0x891), (0x897, 0x89F), (0x8CA, 0x8E2), (0x9FD, 0x9FE),
        (0xA76, 0xA76), (0xAFA, 0xAFF), (0xB55, 0xB55), (0xC04, 0xC04), (0xC3C, 0xC3C), (0xC77, 0xC77),
        (0xC84, 0xC84), (0xD00, 0xD00), (0xD3B, 0xD3C), (0xD81, 0xD81), (0xEBA, 0xEBA), (0xECE, 0xECE),
        (0x180F, 0x180F), (0x1885, 0x1886), (0x1ABF, 0x1ACE), (0x1B4E, 0x1B4F), (0x1B7D, 0x1B7F), (0x1DF6, 0x1DFB),
        (0x2E43, 0x2E4F), (0x2E52, 0x2E5D), (0xA82C, 0xA82C), (0xA8C5, 0xA8C5), (0xA8FF, 0xA8FF), (0xA9BD, 0xA9BD),
        (0x10D24, 0x10D27), (0x10D69, 0x10D6E), (0x10EAB, 0x10EAD), (0x10EFC, 0x10EFF), (0x10F46, 0x10F50), (0x10F55, 0x10F59),
        (0x10F82, 0x10F89), (0x11070, 0x11070), (0x11073, 0x11074), (0x110C2, 0x110C2), (0x110CD, 0x110CD), (0x111CF, 0x111CF),
        (0x1123E, 0x1123E), (0x11241, 0x11241), (0x1133B, 0x1133B), (0x113BB, 0x113C0), (0x113CE, 0x113CE), (0x113D0, 0x113D0),
        (0x113D2, 0x113D2), (0x113D4, 0x113D5), (0x113D7, 0x113D8), (0x113E1, 0x113E2), (0x11438, 0x1143F), (0x11442, 0x11444),
        (0x11446, 0x11446), (0x1144B, 0x1144F), (0x1145A, 0x1145B), (0x1145D, 0x1145E), (0x11660, 0x1166C), (0x116B9, 0x116B9),
        (0x1182F, 0x11837), (0x11839, 0x1183B), (0x1193B, 0x1193C), (0x1193E, 0x1193E), (0x11943, 0x11946), (0x119D4, 0x119D7),
        (0x119DA, 0x119DB), (0x119E0, 0x119E0), (0x119E2, 0x119E2), (0x11A01, 0x11A0A), (0x11A33, 0x11A38), (0x11A3B, 0x11A47),
        (0x11A51, 0x11A56), (0x11A59, 0x11A5B), (0x11A8A, 0x11A96), (0x11A98, 0x11A9C), (0x11A9E, 0x11AA2), (0x11B00, 0x11B09),
        (0x11BE1, 0x11BE1), (0x11C30, 0x11C36), (0x11C38, 0x11C3D), (0x11C3F, 0x11C3F), (0x11C41, 0x11C45), (0x11C70, 0x11C71),
        (0x11C92, 0x11CA7), (0x11CAA, 0x11CB0), (0x11CB2, 0x11CB3), (0x11CB5, 0x11CB6), (0x11D31, 0x11D36), (0x11D3A, 0x11D3A),
        (0x11D3C, 0x11D3D), (0x11D3F, 0x11D45), (0x11D47, 0x11D47), (0x11D90, 0x11D91), (0x11D95, 0x11D95), (0x11D97, 0x11D97),
        (0x11EF3, 0x11EF4), (0x11EF7, 0x11EF8), (0x11F00, 0x11F01), (0x11F36, 0x11F3A), (0x11F40, 0x11F40), (0x11F42, 0x11F4F),
        (0x11F5A, 0x11F5A), (0x11FFF, 0x11FFF), (0x12FF1, 0x12FF2), (0x13430, 0x13440), (0x13447, 0x13455), (0x1611E, 0x16129),
        (0x1612D, 0x1612F), (0x16D6D, 0x16D6F), (0x16E97, 0x16E9A), (0x16F4F, 0x16F4F), (0x16FE2, 0x16FE2), (0x16FE4, 0x16FE4),
        (0x1CF00, 0x1CF2D), (0x1CF30, 0x1CF46), (0x1E000, 0x1E006), (0x1E008, 0x1E018), (0x1E01B, 0x1E021), (0x1E023, 0x1E024),
        (0x1E026, 0x1E02A), (0x1E08F, 0x1E08F), (0x1E130, 0x1E136), (0x1E2AE, 0x1E2AE), (0x1E2EC, 0x1E2EF), (0x1E4EC, 0x1E4EF),
        (0x1E5EE, 0x1E5EF), (0x1E5FF, 0x1E5FF), (0x1E944, 0x1E94A), (0x1E95E, 0x1E95F),
    ];

    /// <summary>The category of a code point as Hugging Face's tokenizer sees it.</summary>
    public static UnicodeCategory Category(Rune r)
    {
        var v = r.Value;
        switch (v)
        {
            // Categories that changed between Unicode versions: punctuation and non-spacing marks there.
            case 0x166D or 0x111C9:
                return UnicodeCategory.OtherPunctuation;
            case 0x1734 or 0x1171E:
                return UnicodeCategory.NonSpacingMark;
        }

        if (v >= LegacyUnassigned[0].First && v <= LegacyUnassigned[^1].Last)
        {
            int lo = 0, hi = LegacyUnassigned.Length - 1;
            while (lo <= hi)
            {
                var mid = (lo + hi) >>> 1;
                if (v < LegacyUnassigned[mid].First)
                {
                    hi = mid - 1;
                }
                else if (v > LegacyUnassigned[mid].Last)
                {
                    lo = mid + 1;
                }
                else
                {
                    return UnicodeCategory.OtherNotAssigned;
                }
            }
        }

        return Rune.GetUnicodeCategory(r);
    }

    /// <summary>
    /// Characters that clean_text removes: Cc, Cf, Co and Cs except tab, newline and carriage return. Unassigned
    /// code points (Cn) are kept, as in Hugging Face's tokenizer (they become [UNK]).
    /// </summary>
    public static bool IsControl(Rune r)
    {
        if (r.Value is '\t' or '\n' or '\r')
        {
            return false;
        }

        return Category(r) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate;
    }

    /// <summary>The Unicode White_Space property (Rust's <c>char::is_whitespace</c>).</summary>
    public static bool IsWhitespace(Rune r) => Rune.IsWhiteSpace(r);

    /// <summary>ASCII punctuation and symbols (!"#$%&amp;'()*+,-./:;&lt;=&gt;?@[\]^_`{|}~) or any Unicode P* category.</summary>
    public static bool IsPunctuation(Rune r)
    {
        var v = r.Value;
        if (v < 128)
        {
            return v is (>= 33 and <= 47) or (>= 58 and <= 64) or (>= 91 and <= 96) or (>= 123 and <= 126);
        }

        return Category(r) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation
            or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation
            or UnicodeCategory.OtherPunctuation;
    }

    /// <summary>The CJK ideograph blocks that BERT splits into single-character words (Hugging Face's ranges).</summary>
    public static bool IsChineseChar(int v) =>
        v is (>= 0x4E00 and <= 0x9FFF)
            or (>= 0x3400 and <= 0x4DBF)
            or (>= 0x20000 and <= 0x2A6DF)
            or (>= 0x2A700 and <= 0x2B73F)
            or (>= 0x2B740 and <= 0x2B81F)
            or (>= 0x2B920 and <= 0x2CEAF)
            or (>= 0xF900 and <= 0xFAFF)
            or (>= 0x2F800 and <= 0x2FA1F);
}
