using System.Text;
using Qianru.Tests.Support;
using Qianru.Tokenization;

namespace Qianru.Tests.Tokenization;

/// <summary>
/// <see cref="BertTokenizer.GetPieceOffsets"/>: one span per word piece, in order, covering what the piece was made
/// from: the normalized text of each span is the piece (without its ## prefix), and [UNK] spans its whole word.
/// </summary>
public sealed class PieceOffsetsTests
{
    private static readonly Lazy<BertTokenizer> Tokenizer = new(() =>
    {
        var dir = Path.Combine(Path.GetTempPath(), "qianru-tests", "offsets-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "tokenizer.json");
        ModelFolders.WriteTokenizerJson(path);
        return BertTokenizer.FromTokenizerJson(path);
    });

    [Fact]
    public void Spans_point_at_the_original_text()
    {
        const string text = "Héllo, WORLD!  你好 unaffable 😀";
        var tokenizer = Tokenizer.Value;
        var offsets = tokenizer.GetPieceOffsets(text)!;
        var pieces = tokenizer.Encode(text).Ids[1..^1];
        Assert.Equal(pieces.Length, offsets.Length);
        var spans = offsets.Select(o => text[o.Start..o.End]).ToArray();
        Assert.Equal(["Héllo", ",", "WORLD", "!", "你", "好"], spans[..6]);
        Assert.Equal("unaffable", string.Concat(spans[6..^1]));
        Assert.Equal("😀", spans[^1]); // [UNK] for MiniLM, spanning the whole surrogate pair
        Assert.Equal("[UNK]", tokenizer.GetToken(pieces[^1]));
    }

    public static TheoryData<string> Texts() =>
    [
        "",
        "I had a café au lait at the naïve little bistro.",
        "Ångström İstanbul ΣΊΣΥΦΟΣ Straße ǅemal Ⅷ",
        "soft\u00ADhyphen zero\u200Bwidth bom\uFEFFinside control\u0001chars",
        "tabs\tnew\nlines\r\ncarriage\u2028sep\u00A0nbsp\u3000ideographic",
        "emoji 😀👍🏽 flags 🇨🇳 family 👨‍👩‍👧 astral 𠀀𠀁",
        "业绩增长 小明,我们公司三季度接了个大单 服务挂了 日本語のテキスト 한국어",
        "fullwidth ＡＢＣ１２３！？ «guillemets» — dash … price $100 + 5%",
        "MiXeD CaSe WORDS and numbers 3.14159 1,000,000 tokenization unbelievably",
        new string('a', 100) + " " + new string('b', 101),
    ];

    [Theory]
    [MemberData(nameof(Texts))]
    public void Every_piece_is_the_normalized_text_of_its_span(string text)
    {
        var tokenizer = Tokenizer.Value;
        var offsets = tokenizer.GetPieceOffsets(text);
        Assert.NotNull(offsets);
        var ids = tokenizer.Encode(text).Ids[1..^1];
        Assert.Equal(ids.Length, offsets.Length);
        // Pieces made from one code point (a Hangul syllable decomposes into jamo that WordPiece may split) share its
        // span; so check clusters of overlapping spans: their normalized text is the concatenation of their pieces.
        var clusterStart = -1;
        var clusterEnd = -1;
        var pieces = new StringBuilder();
        var hasUnknown = false;
        void Check()
        {
            if (clusterStart >= 0 && !hasUnknown)
            {
                Assert.Equal(pieces.ToString(), BertTextSplitter.Normalize(text[clusterStart..clusterEnd], tokenizer.Options).Trim());
            }
        }

        for (var i = 0; i < ids.Length; i++)
        {
            var (start, end) = offsets[i];
            Assert.InRange(start, 0, text.Length - 1);
            Assert.InRange(end, start + 1, text.Length);
            Assert.False(char.IsLowSurrogate(text[start]), $"piece {i} starts inside a surrogate pair");
            Assert.True(i == 0 || start >= offsets[i - 1].Start, $"piece {i} starts before the previous piece");
            var token = tokenizer.GetToken(ids[i]);
            if (start >= clusterEnd)
            {
                Check();
                clusterStart = start;
                pieces.Clear();
                hasUnknown = false;
            }

            clusterEnd = Math.Max(clusterEnd, end);
            hasUnknown |= token == "[UNK]";
            pieces.Append(token.StartsWith("##", StringComparison.Ordinal) ? token[2..] : token);
        }

        Check();
    }

    [Fact]
    public void Seeded_random_texts_align_or_report_no_offsets()
    {
        var random = new Random(7);
        int[] pool = [.. Enumerable.Range(0x20, 0x5F), .. Enumerable.Range(0xC0, 0x100), .. Enumerable.Range(0x300, 0x30), .. Enumerable.Range(0x4E00, 0x40), 0x1F600, 0x20000, 0x200B, 0x3000];
        var aligned = 0;
        for (var n = 0; n < 300; n++)
        {
            var sb = new StringBuilder();
            for (var i = random.Next(1, 30); i > 0; i--)
            {
                sb.Append(char.ConvertFromUtf32(pool[random.Next(pool.Length)]));
            }

            var text = sb.ToString();
            var offsets = Tokenizer.Value.GetPieceOffsets(text);
            if (offsets is null)
            {
                continue;
            }

            aligned++;
            Assert.Equal(Tokenizer.Value.Encode(text).Ids.Length - 2, offsets.Length);
            Assert.True(offsets.Zip(offsets.Skip(1)).All(p => p.Second.Start >= p.First.Start && p.First.End > p.First.Start), text);
        }

        Assert.True(aligned >= 270, $"only {aligned} of 300 texts aligned");
    }
}
