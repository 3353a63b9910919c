using System.IO.Compression;
using System.Text.Json;

namespace Qianru.Tests.Tokenization;

/// <summary>
/// The committed SentencePiece Unigram fixtures (Fixtures/unigram, made by make_unigram_fixtures.py with Debian's
/// python3-sentencepiece): two models' tokenizer.json, one sentencepiece.bpe.model, and SentencePiece's own ids for
/// every scalar value between two letters and for the case, random and tutorial texts.
/// </summary>
public static class UnigramFixtures
{
    public static string Folder { get; } = Path.Combine(AppContext.BaseDirectory, "Fixtures", "unigram");

    /// <summary>The model without byte fallback (vocab 8,001), as transformers' XLMRobertaConverter writes it.</summary>
    public static string XlmrJson { get; } = Path.Combine(Folder, "xlmr", "tokenizer.json");

    /// <summary>The same model as SentencePiece wrote it.</summary>
    public static string XlmrModel { get; } = Path.Combine(Folder, "xlmr", "sentencepiece.bpe.model");

    /// <summary>A smaller model trained with byte_fallback (character coverage 0.98): unknown characters become bytes.</summary>
    public static string ByteFallbackJson { get; } = Path.Combine(Folder, "bytefallback", "tokenizer.json");

    private static readonly Lazy<Dictionary<string, Expected>> All = new(Load);

    public static Expected For(string model) => All.Value[model];

    public sealed class Expected
    {
        public List<(int First, int Last, string Ids)> Ranges { get; } = [];

        public List<(string Set, string Text, long[] Ids)> Texts { get; } = [];

        /// <summary>SentencePiece's ids for "a" + chr(cp) + "b".</summary>
        public long[] ForCodePoint(int cp, int byteBase)
        {
            var lo = 0;
            var hi = Ranges.Count - 1;
            while (lo < hi)
            {
                var mid = (lo + hi + 1) / 2;
                if (Ranges[mid].First <= cp)
                {
                    lo = mid;
                }
                else
                {
                    hi = mid - 1;
                }
            }

            var (first, last, ids) = Ranges[lo];
            Assert.InRange(cp, first, last);
            var result = new List<long>();
            foreach (var part in ids.Split(','))
            {
                if (part == "B")
                {
                    result.AddRange(System.Text.Encoding.UTF8.GetBytes(char.ConvertFromUtf32(cp)).Select(b => (long)(byteBase + b)));
                }
                else
                {
                    result.Add(long.Parse(part, System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            return [.. result];
        }
    }

    private static Dictionary<string, Expected> Load()
    {
        var result = new Dictionary<string, Expected>();
        using var file = File.OpenRead(Path.Combine(Folder, "expected.txt.gz"));
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        Expected? current = null;
        while (reader.ReadLine() is { } line)
        {
            if (line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith("model ", StringComparison.Ordinal))
            {
                current = result[line[6..]] = new Expected();
            }
            else if (line.StartsWith("range ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                current!.Ranges.Add((Convert.ToInt32(parts[1], 16), Convert.ToInt32(parts[2], 16), parts[3]));
            }
            else if (line.StartsWith("text ", StringComparison.Ordinal))
            {
                var set = line[5..line.IndexOf(' ', 5)];
                var rest = line[(6 + set.Length)..];
                var cut = rest.LastIndexOf(' ');
                var text = JsonSerializer.Deserialize<string>(rest[..cut])!;
                var ids = rest[(cut + 1)..].Split(',').Select(s => long.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
                current!.Texts.Add((set, text, ids));
            }
        }

        return result;
    }
}
