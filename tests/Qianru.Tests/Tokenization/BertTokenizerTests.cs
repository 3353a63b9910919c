using Qianru.Tests.Support;
using Qianru.Tokenization;

namespace Qianru.Tests.Tokenization;

/// <summary>
/// The places where Microsoft.ML.Tokenizers' BertTokenizer defaults differ from Hugging Face, each pinned down,
/// plus truncation and the file formats. Expected ids come from Hugging Face's tokenizer (the oracle) or from an
/// equivalent plain text.
/// </summary>
public sealed class BertTokenizerTests : IDisposable
{
    private static readonly Lazy<string> JsonPath = new(() =>
    {
        var dir = Path.Combine(Path.GetTempPath(), "qianru-tests", "tok-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "tokenizer.json");
        ModelFolders.WriteTokenizerJson(path);
        return path;
    });

    private readonly Tokenizers.DotNet.Tokenizer _oracle = new(JsonPath.Value);
    private readonly BertTokenizer _tokenizer = BertTokenizer.FromTokenizerJson(JsonPath.Value);

    [Fact]
    public void Accents_are_stripped_for_uncased_models()
    {
        Assert.Equal(Ids("cafe naive"), Ids("café naïve"));
        Assert.Equal(Oracle("café naïve"), Ids("café naïve"));
    }

    [Fact]
    public void Accents_are_kept_when_the_config_says_so()
    {
        var keep = BertTokenizer.FromTokenizerJson(JsonPath.Value, o => new BertTokenizerOptions { Lowercase = true, StripAccents = false });
        Assert.NotEqual(keep.Encode("café").Ids, _tokenizer.Encode("café").Ids);
    }

    [Theory]
    [InlineData("soft\u00ADhyphen", "softhyphen")]
    [InlineData("bom\uFEFFinside", "bominside")]
    [InlineData("zero\u200Bwidth", "zerowidth")]
    [InlineData("bell\u0007char", "bellchar")]
    public void Format_and_control_characters_are_dropped(string text, string same)
    {
        Assert.Equal(Ids(same), Ids(text));
        Assert.Equal(Oracle(text), Ids(text));
    }

    [Theory]
    [InlineData("ǅemal", "ǆemal")]   // U+01C5 is Lt (title case), not Lu
    [InlineData("Ⅷ", "ⅷ")]          // U+2167 is Nl with a lower-case mapping
    [InlineData("ΣΊΣΥΦΟΣ", "σίσυφοσ")] // per-character mapping: no final-sigma rule, as Hugging Face
    public void Lower_casing_covers_every_cased_character(string text, string lower)
    {
        Assert.Equal(Ids(lower), Ids(text));
        Assert.Equal(Oracle(text), Ids(text));
    }

    [Fact]
    public void The_word_limit_counts_code_points_not_utf16_units()
    {
        // 60 astral characters are 120 UTF-16 units but 60 code points: under the 100 limit.
        var astral = string.Concat(Enumerable.Repeat("𝒜", 60));
        Assert.Equal(Oracle(astral), Ids(astral));
        var word100 = new string('a', 100);
        var word101 = new string('a', 101);
        Assert.NotEqual([101, 100, 102], Ids(word100));
        Assert.Equal([101, 100, 102], Ids(word101));
        Assert.Equal(Oracle(word101), Ids(word101));
    }

    [Fact]
    public void Chinese_characters_are_single_tokens()
    {
        var tokens = _tokenizer.GetTokens(_tokenizer.Encode("小明,我们公司").Ids);
        Assert.Equal(["[CLS]", "小", "明", ",", "我", "[UNK]", "公", "司", "[SEP]"], tokens);
    }

    [Fact]
    public void Truncation_keeps_the_final_separator()
    {
        var text = string.Join(' ', Enumerable.Repeat("hello world", 50));
        var full = _tokenizer.Encode(text);
        var cut = _tokenizer.Encode(text, maxLength: 16);
        Assert.Equal(16, cut.Length);
        Assert.Equal(102, cut.Ids[^1]);
        Assert.Equal(full.Ids[..15], cut.Ids[..15]);
        Assert.True(cut.Truncated);
        Assert.Equal(full.Length, cut.UntruncatedLength);
        Assert.False(full.Truncated);
    }

    [Fact]
    public void Vocab_txt_with_crlf_and_tokenizer_json_give_the_same_ids()
    {
        var dir = Path.GetDirectoryName(JsonPath.Value)!;
        var vocab = Path.Combine(dir, "vocab-crlf.txt");
        File.WriteAllText(vocab, string.Join("\r\n", ModelFolders.Vocabulary) + "\r\n");
        var fromVocab = BertTokenizer.FromVocabularyFile(vocab);
        foreach (var item in Golden.Items)
        {
            Assert.Equal(_tokenizer.Encode(item.Text, 256).Ids, fromVocab.Encode(item.Text, 256).Ids);
        }
    }

    [Fact]
    public void A_bpe_tokenizer_json_is_refused_with_a_message_naming_the_file()
    {
        var path = Path.Combine(Path.GetDirectoryName(JsonPath.Value)!, "bpe.json");
        File.WriteAllText(path, """{"model":{"type":"BPE","vocab":{},"merges":[]}}""");
        var ex = Assert.Throws<NotSupportedException>(() => BertTokenizer.FromTokenizerJson(path));
        Assert.Contains(path, ex.Message);
        Assert.Contains("only WordPiece", ex.Message);
    }

    [Fact]
    public void A_vocabulary_without_unk_is_refused()
    {
        var ex = Assert.Throws<InvalidDataException>(() => BertTokenizer.FromVocabulary(new MemoryStream("[CLS]\n[SEP]\nhello\n"u8.ToArray()), source: "mini.txt"));
        Assert.Contains("mini.txt", ex.Message);
        Assert.Contains("[UNK]", ex.Message);
    }

    [Fact]
    public void CountTokens_equals_the_untruncated_length()
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "golden", "minilm_dev.json"));
        Assert.Equal(_tokenizer.Encode(text).UntruncatedLength, _tokenizer.CountTokens(text));
    }

    public void Dispose() => _oracle.Dispose();

    private long[] Ids(string text) => _tokenizer.Encode(text).Ids;

    private long[] Oracle(string text) => [.. _oracle.Encode(text).Select(x => (long)x)];
}
