using System.Text;
using System.Text.Json.Nodes;
using Qianru.Tokenization;

namespace Qianru.Tests.Tokenization;

/// <summary>
/// Differential tests of <see cref="UnigramTokenizer"/> against Hugging Face's own Rust tokenizer (Tokenizers.DotNet
/// 1.4.1 = tokenizers 0.22.2, the library behind XLMRobertaTokenizerFast) on the same tokenizer.json: two Unigram models
/// trained by SentencePiece with nmt_nfkc normalization (one with byte fallback), in the layout transformers'
/// XLMRobertaConverter writes, plus the older and newer layouts real model folders carry.
/// </summary>
public sealed class UnigramOracleTests
{
    public static TheoryData<string> Models() => ["xlmr", "bytefallback"];

    [Theory]
    [MemberData(nameof(Models))]
    public void Every_code_point_between_two_letters_matches_the_huggingface_tokenizer(string model)
    {
        var (ours, oracle) = Load(model);
        using (oracle)
        {
            var failures = new List<string>();
            for (var cp = 1; cp <= 0x10FFFF; cp++)
            {
                if (cp is >= 0xD800 and <= 0xDFFF)
                {
                    continue;
                }

                var text = "a" + char.ConvertFromUtf32(cp) + "b";
                var expected = Ids(oracle, text);
                var actual = ours.Encode(text).Ids;
                if (!expected.SequenceEqual(actual))
                {
                    failures.Add($"U+{cp:X4}: hf [{string.Join(',', expected)}] qianru [{string.Join(',', actual)}]");
                }
            }

            Assert.True(failures.Count == 0, $"{failures.Count} code points differ:\n{string.Join('\n', failures.Take(20))}");
        }
    }

    /// <summary>
    /// Grapheme clusters decide what the Precompiled normalizer replaces: a cluster of under 6 UTF-8 bytes whose first
    /// character has a rule is replaced whole. Putting every code point after a character with a rule (Ａ → A for
    /// one- and two-byte code points, NBSP → space for three-byte ones) shows each place where .NET's grapheme
    /// segmentation would have to agree with Rust's unicode-segmentation for the ids to agree.
    /// </summary>
    [Fact]
    public void Every_code_point_after_a_mapped_character_matches_the_huggingface_tokenizer()
    {
        var (ours, oracle) = Load("xlmr");
        using (oracle)
        {
            var failures = new List<string>();
            for (var cp = 1; cp <= 0xFFFF; cp++)
            {
                if (cp is >= 0xD800 and <= 0xDFFF)
                {
                    continue;
                }

                var mapped = cp < 0x800 ? "\uFF21" : "\u00A0";
                var text = "x" + mapped + char.ConvertFromUtf32(cp) + "y";
                var expected = Ids(oracle, text);
                var actual = ours.Encode(text).Ids;
                if (!expected.SequenceEqual(actual))
                {
                    failures.Add($"U+{cp:X4}: hf [{string.Join(',', expected)}] qianru [{string.Join(',', actual)}]");
                }
            }

            Assert.True(failures.Count == 0, $"{failures.Count} code points differ:\n{string.Join('\n', failures.Take(20))}");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Random_tutorial_and_hand_picked_texts_match_the_huggingface_tokenizer(string model)
    {
        var (ours, oracle) = Load(model);
        using (oracle)
        {
            var texts = UnigramFixtures.For(model).Texts;
            Assert.Equal(400, texts.Count(t => t.Set == "random"));
            Assert.True(texts.Count(t => t.Set == "tutorial") > 50);
            AssertSame(ours, oracle, texts.Select(t => t.Text).Concat(ExtraCases));
        }
    }

    public static TheoryData<string> Layouts() =>
    [
        "plain-precompiled",
        "whitespace-split-metaspace",
        "roberta-processing",
        "converter-strip-replace",
        "prepend-first",
        "prepend-never",
        "no-split",
        "normalized-added-token",
    ];

    /// <summary>
    /// The tokenizer.json layouts model folders carry: older files (plain Precompiled normalizer, WhitespaceSplit +
    /// Metaspace with add_prefix_space, RobertaProcessing), newer converters (Strip + Replace to ▁), and the other
    /// prepend schemes, all run by both tokenizers on the same texts.
    /// </summary>
    [Theory]
    [MemberData(nameof(Layouts))]
    public void Other_tokenizer_json_layouts_match_the_huggingface_tokenizer(string layout)
    {
        var json = JsonNode.Parse(File.ReadAllText(UnigramFixtures.XlmrJson))!.AsObject();
        var charsmap = json["normalizer"]!["normalizers"]![0]!.DeepClone();
        switch (layout)
        {
            case "plain-precompiled":
                json["normalizer"] = charsmap;
                break;
            case "whitespace-split-metaspace":
                json["pre_tokenizer"] = JsonNode.Parse("""{"type":"Sequence","pretokenizers":[{"type":"WhitespaceSplit"},{"type":"Metaspace","replacement":"▁","add_prefix_space":true}]}""");
                break;
            case "roberta-processing":
                json["post_processor"] = JsonNode.Parse("""{"type":"RobertaProcessing","sep":["</s>",2],"cls":["<s>",0],"trim_offsets":true,"add_prefix_space":true}""");
                break;
            case "converter-strip-replace":
                json["normalizer"] = new JsonObject
                {
                    ["type"] = "Sequence",
                    ["normalizers"] = new JsonArray(charsmap, JsonNode.Parse("""{"type":"Strip","strip_left":false,"strip_right":true}"""),
                        JsonNode.Parse("""{"type":"Replace","pattern":{"Regex":" {2,}"},"content":"▁"}""")),
                };
                break;
            case "prepend-first":
                json["pre_tokenizer"] = JsonNode.Parse("""{"type":"Metaspace","replacement":"▁","prepend_scheme":"first","split":true}""");
                break;
            case "prepend-never":
                json["pre_tokenizer"] = JsonNode.Parse("""{"type":"Metaspace","replacement":"▁","add_prefix_space":false,"prepend_scheme":"never"}""");
                break;
            case "no-split":
                json["pre_tokenizer"] = JsonNode.Parse("""{"type":"Metaspace","replacement":"▁","prepend_scheme":"always","split":false}""");
                break;
            case "normalized-added-token":
                json["added_tokens"]!.AsArray().Add(JsonNode.Parse("""{"id":8002,"content":"ＥＭＢ","single_word":false,"lstrip":false,"rstrip":true,"normalized":true,"special":false}"""));
                break;
        }

        var path = Path.Combine(Path.GetTempPath(), "qianru-tests", $"unigram-{layout}-{Environment.ProcessId}.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, json.ToJsonString(), new UTF8Encoding(false));
        var ours = UnigramTokenizer.FromTokenizerJson(path);
        using var oracle = new Tokenizers.DotNet.Tokenizer(path);
        var texts = UnigramFixtures.For("xlmr").Texts.Where(t => t.Set is "random" or "cases").Select(t => t.Text)
            .Concat(ExtraCases).Concat(["EMB x ＥＭＢ  y EMBEDDING", "  \u0001 leading", "\u0001start", "<s>\u0001x", "a<mask>  <mask>b"]);
        AssertSame(ours, oracle, texts);
    }

    private static readonly string[] ExtraCases =
    [
        "<s>", "</s>", "<mask>", "x<mask>", "a <mask> b", "  <mask>", "<s>hello</s>", "＜s＞ ＜unk＞ ＜mask＞", "<unk><unk>",
        "\u00A0\u00A0", "\t\n", " a", "a ", "  a  b  ", "\u3000你好\u3000", "\uFF21\u0301\u0301", "\u00A0\u0301x", "\u1100\u1161\u11A8\u1100",
        "🇨🇳🇺🇸🇨", "👩🏽‍🔬 ❤️‍🔥", "\u0600\u0661", "e\u0301\u0302\u0303\u0304\u0305", "\r\n\u0301", "x\u200D\u0301", "ｶﾞｷﾞｸﾞ ﾊﾟ",
        "𝐀𝐁𝐂 𝟏𝟐𝟑 ℌ ℍ", "ǅ ǆ ﬀ ﬃ ﬅ", "㍻ ㋿ ㌀", "\uFDFA \uFDFB", "⁰¹²³⁴ ₀₁₂", "\u2126 \u212B \u2000\u2001\u2002",
    ];

    private static void AssertSame(UnigramTokenizer ours, Tokenizers.DotNet.Tokenizer oracle, IEnumerable<string> texts)
    {
        var failures = new List<string>();
        var count = 0;
        foreach (var text in texts)
        {
            count++;
            var expected = Ids(oracle, text);
            var actual = ours.Encode(text).Ids;
            if (!expected.SequenceEqual(actual))
            {
                failures.Add($"{Escape(text)}: hf [{string.Join(',', expected)}] qianru [{string.Join(',', actual)}]");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {count} differ:\n{string.Join('\n', failures.Take(10))}");
    }

    internal static (UnigramTokenizer Ours, Tokenizers.DotNet.Tokenizer Oracle) Load(string model)
    {
        var path = model == "xlmr" ? UnigramFixtures.XlmrJson : UnigramFixtures.ByteFallbackJson;
        return (UnigramTokenizer.FromTokenizerJson(path), new Tokenizers.DotNet.Tokenizer(path));
    }

    internal static long[] Ids(Tokenizers.DotNet.Tokenizer oracle, string text) => [.. oracle.Encode(text).Select(x => (long)x)];

    internal static string Escape(string s) => string.Concat(s.EnumerateRunes().Select(r => r.Value is < 0x20 or (>= 0x7F and < 0xA0) or > 0x7E ? $"\\u{r.Value:X4}" : r.ToString()));
}
