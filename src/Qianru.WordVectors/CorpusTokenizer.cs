using System.Globalization;
using System.Text;
using JiebaNet.Segmenter;

namespace Qianru.WordVectors;

/// <summary>
/// Splits training text into words: lower-cased letter/digit runs for English and other space-separated languages
/// (<c>"en"</c>), jieba segmentation for Chinese (<c>"zh"</c>, punctuation and spaces dropped).
/// </summary>
/// <remarks>
/// jieba.NET reads its dictionary from files; Qianru copies them next to the assembly (folder <c>jieba/</c>). Thread-safe.
/// </remarks>
public sealed class CorpusTokenizer
{
    private static readonly Lazy<JiebaSegmenter> Jieba = new(CreateJieba, LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly string _language;

    private CorpusTokenizer(string language) => _language = language;

    /// <summary>The language: "en", "zh" or "auto".</summary>
    public string Language => _language;

    /// <summary>
    /// Creates the tokenizer for <paramref name="language"/>: "en" (default; any space-separated language), "zh", or "auto"
    /// (jieba for texts that contain Han characters, else as "en").
    /// </summary>
    public static CorpusTokenizer Create(string? language = null) => (language ?? "en").ToLowerInvariant() switch
    {
        "en" or "english" => new CorpusTokenizer("en"),
        "zh" or "chinese" or "zh-cn" or "zh-hans" or "zh-hant" => new CorpusTokenizer("zh"),
        "auto" => new CorpusTokenizer("auto"),
        _ => throw new ArgumentException($"language '{language}' is not supported for word tokenization; use en (lower-cased words), zh (jieba segmentation) or auto"),
    };

    /// <summary>Splits one line (a sentence) into words.</summary>
    public IReadOnlyList<string> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var chinese = _language == "zh" || (_language == "auto" && text.Any(IsHan));
        return chinese ? Chinese(text) : English(text);
    }

    private static bool IsHan(char c) => c is (>= '\u4E00' and <= '\u9FFF') or (>= '\u3400' and <= '\u4DBF') or (>= '\uF900' and <= '\uFAFF');

    private static List<string> English(string text)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsLetterOrDigit(c) || (c == '\'' && current.Length > 0 && i + 1 < text.Length && char.IsLetter(text[i + 1])))
            {
                current.Append(char.ToLowerInvariant(c));
            }
            else if (current.Length > 0)
            {
                words.Add(current.ToString());
                current.Clear();
            }
        }

        if (current.Length > 0)
        {
            words.Add(current.ToString());
        }

        return words;
    }

    private static List<string> Chinese(string text)
    {
        var words = new List<string>();
        foreach (var piece in Jieba.Value.Cut(text, cutAll: false, hmm: true))
        {
            var word = piece.Trim();
            if (word.Length > 0 && word.Any(ch => char.IsLetterOrDigit(ch)))
            {
                words.Add(word.ToLowerInvariant());
            }
        }

        return words;
    }

    private static JiebaSegmenter CreateJieba()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "jieba");
        if (!File.Exists(Path.Combine(folder, "dict.txt")))
        {
            throw new QianruException($"jieba dictionary not found in '{folder}' (dict.txt, prob_trans.json, prob_emit.json); the Qianru.WordVectors package copies it there at build and publish time");
        }

        ConfigManager.ConfigFileBaseDir = folder;
        return new JiebaSegmenter();
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"CorpusTokenizer({Language})");
}
