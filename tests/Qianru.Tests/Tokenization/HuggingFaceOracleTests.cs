using System.Text;
using Qianru.Tests.Support;
using Qianru.Tokenization;

namespace Qianru.Tests.Tokenization;

/// <summary>
/// Differential tests against Hugging Face's own Rust tokenizer (Tokenizers.DotNet 1.4.1, the library behind
/// BertTokenizerFast) on the same tokenizer.json: hand-picked hard cases and seeded random texts.
/// </summary>
public sealed class HuggingFaceOracleTests : IDisposable
{
    private static readonly Lazy<string> TokenizerJsonPath = new(() =>
    {
        var dir = Path.Combine(Path.GetTempPath(), "qianru-tests", "oracle-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "tokenizer.json");
        ModelFolders.WriteTokenizerJson(path);
        return path;
    });

    private readonly Tokenizers.DotNet.Tokenizer _oracle = new(TokenizerJsonPath.Value);
    private readonly BertTokenizer _ours = BertTokenizer.FromTokenizerJson(TokenizerJsonPath.Value);

    public static TheoryData<string> HardCases() =>
    [
        "",
        "Hello, world!",
        "I had a café au lait at the naïve little bistro.",
        "Ångström İstanbul ΣΊΣΥΦΟΣ Straße ǅemal Ⅷ",
        "soft\u00ADhyphen zero\u200Bwidth bom\uFEFFinside",
        "tabs\tnew\nlines\r\ncarriage\u2028sep\u00A0nbsp\u3000ideographic",
        "control\u0001chars\u0085nel\u007Fdel",
        "price $100 + 5% <tag> a|b ^caret `tick` ~tilde",
        "emoji 😀👍🏽 flags 🇨🇳 family 👨‍👩‍👧",
        "业绩增长 小明,我们公司三季度接了个大单 服务挂了",
        "日本語のテキスト と 한국어 텍스트",
        "astral CJK 𠀀𠀁 𪜀 𫝀 𫠠 𬺰 𰀀",
        "unassigned \u0378 \uFFFF private \uE000",
        "combining e\u0301 a\u0308 n\u0303 Vietnamese Tiếng Việt",
        "Arabic العربية Hebrew עִבְרִית Thai ภาษาไทย Devanagari हिन्दी",
        "fullwidth ＡＢＣ１２３！？ halfwidth ｶﾀｶﾅ",
        "«guillemets» „quotes“ ‘single’ — dash – en … ellipsis",
        new string('a', 100) + " " + new string('b', 101) + " " + string.Concat(Enumerable.Repeat("😀", 60)),
        string.Concat(Enumerable.Repeat("𝒜", 99)) + "x",
        "MiXeD CaSe WORDS and numbers 3.14159 1,000,000",
    ];

    [Theory]
    [MemberData(nameof(HardCases))]
    public void Hard_cases_match_the_huggingface_tokenizer(string text) =>
        Assert.Equal(Oracle(text), _ours.Encode(text).Ids);

    [Fact]
    public void Seeded_random_texts_match_the_huggingface_tokenizer()
    {
        // Characters drawn from blocks where normalizers disagree most: ASCII, Latin-1 and Latin Extended (accents),
        // combining marks, Greek and Cyrillic case, CJK, kana, Hangul, symbols, punctuation, format and control characters.
        int[][] pools =
        [
            [.. Enumerable.Range(0x20, 0x5F)],
            [.. Enumerable.Range(0xA0, 0x1D0)],
            [.. Enumerable.Range(0x300, 0x70)],
            [.. Enumerable.Range(0x370, 0x200)],
            [.. Enumerable.Range(0x2000, 0x70)],
            [.. Enumerable.Range(0x3000, 0x100)],
            [.. Enumerable.Range(0x4E00, 0x200)],
            [.. Enumerable.Range(0xAC00, 0x80)],
            [.. Enumerable.Range(0xFF00, 0xF0)],
            [0x1F600, 0x1F44D, 0x1F3FD, 0x20000, 0x2A700, 0x2B740, 0x2B820, 0x2B920, 0x2CEB0, 0x1D400, 0x10400, 0xE0001],
            [0x9, 0xA, 0xD, 0x1, 0x7F, 0x85, 0xAD, 0x200B, 0x200D, 0xFEFF, 0x20, 0x20, 0x20],
        ];
        var random = new Random(20261127);
        var failures = new List<string>();
        for (var n = 0; n < 400; n++)
        {
            var sb = new StringBuilder();
            var length = random.Next(1, 40);
            for (var i = 0; i < length; i++)
            {
                var pool = pools[random.Next(pools.Length)];
                var cp = pool[random.Next(pool.Length)];
                if (cp is >= 0xD800 and <= 0xDFFF)
                {
                    continue;
                }

                sb.Append(char.ConvertFromUtf32(cp));
            }

            var text = sb.ToString();
            var expected = Oracle(text);
            var actual = _ours.Encode(text).Ids;
            if (!expected.SequenceEqual(actual))
            {
                failures.Add($"{Escape(text)}: hf [{string.Join(',', expected)}] qianru [{string.Join(',', actual)}]");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of 400 differ:\n{string.Join('\n', failures.Take(10))}");
    }

    /// <summary>
    /// Every Unicode scalar value between two letters: catches any difference in character classes (control,
    /// punctuation, marks, CJK, case mapping, decomposition) between .NET's Unicode data and Hugging Face's tables.
    /// </summary>
    [Fact]
    public void Every_code_point_matches_the_huggingface_tokenizer()
    {
        var failures = new List<string>();
        for (var cp = 1; cp <= 0x10FFFF; cp++)
        {
            if (cp is >= 0xD800 and <= 0xDFFF)
            {
                continue;
            }

            var text = "a" + char.ConvertFromUtf32(cp) + "b";
            var expected = Oracle(text);
            var actual = _ours.Encode(text).Ids;
            if (!expected.SequenceEqual(actual))
            {
                failures.Add($"U+{cp:X4}: hf [{string.Join(',', expected)}] qianru [{string.Join(',', actual)}]");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} code points differ:\n{string.Join('\n', failures.Take(20))}");
    }

    [Fact]
    public void Every_golden_text_matches_the_huggingface_tokenizer()
    {
        foreach (var item in Golden.Items)
        {
            var oracle = Oracle(item.Text);
            // The golden file is truncated to 256; the oracle is not.
            Assert.Equal(item.TokenIds[..^1], oracle[..(item.TokenIds.Length - 1)]);
        }
    }

    public void Dispose() => _oracle.Dispose();

    private long[] Oracle(string text) => [.. _oracle.Encode(text).Select(x => (long)x)];

    private static string Escape(string s) => string.Concat(s.EnumerateRunes().Select(r => r.Value is < 0x20 or (>= 0x7F and < 0xA0) or 0xAD or 0x200B or 0xFEFF ? $"\\u{r.Value:X4}" : r.ToString()));
}
