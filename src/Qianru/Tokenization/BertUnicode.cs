using System.Globalization;
using System.Text;

namespace Qianru.Tokenization;

/// <summary>
/// The character classes of Hugging Face's BERT normalizer and pre-tokenizer (tokenizers, Rust), on .NET's
/// Unicode data.
/// </summary>
internal static class BertUnicode
{
    /// <summary>Characters that clean_text removes: Cc, Cf, Cn, Co, Cs except tab, newline and carriage return.</summary>
    public static bool IsControl(Rune r)
    {
        if (r.Value is '\t' or '\n' or '\r')
        {
            return false;
        }

        return Rune.GetUnicodeCategory(r) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.OtherNotAssigned or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate;
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

        return Rune.GetUnicodeCategory(r) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
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
