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
    private readonly bool _chinese;

    private CorpusTokenizer(bool chinese) => _chinese = chinese;

    /// <summary>The language: "en" or "zh".</summary>
    public string Language => _chinese ? "zh" : "en";

    /// <summary>Creates the tokenizer for <paramref name="language"/>: "en" (default; any space-separated language) or "zh".</summary>
    public static CorpusTokenizer Create(string? language = null) => (language ?? "en").ToLowerInvariant() switch
    {
        "en" or "english" => new CorpusTokenizer(false),
        "zh" or "chinese" or "zh-cn" or "zh-hans" or "zh-hant" => new CorpusTokenizer(true),
        _ => throw new ArgumentException($"language '{language}' is not supported for word tokenization; use en (lower-cased words) or zh (jieba segmentation)"),
    };

    /// <summary>Splits one line (a sentence) into words.</summary>
    public IReadOnlyList<string> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _chinese ? Chinese(text) : English(text);
    }

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
            throw new QianruException($"jieba dictionary not found in '{folder}' (dict.txt, prob_trans.json, prob_emit.json); it is copied there at build time from the jieba.NET package");
        }

        ConfigManager.ConfigFileBaseDir = folder;
        return new JiebaSegmenter();
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"CorpusTokenizer({Language})");
}
