using System.Text;
using System.Text.Json.Nodes;
using Qianru.Tests.Support;
using Qianru.Tokenization;

namespace Qianru.Tests.Tokenization;

/// <summary>
/// <see cref="UnigramTokenizer"/> beyond parity: truncation, offsets, loading from a model folder through
/// <see cref="SentenceEmbedder"/>, and the one-line errors for what it does not run.
/// </summary>
public sealed class UnigramTokenizerTests
{
    private static readonly Lazy<UnigramTokenizer> Xlmr = new(() => UnigramTokenizer.FromTokenizerJson(UnigramFixtures.XlmrJson));

    [Fact]
    public void Truncation_keeps_the_closing_token()
    {
        var tokenizer = Xlmr.Value;
        var text = "嵌入是把离散的对象映射到连续的向量空间 embedding models map text to vectors";
        var full = tokenizer.Encode(text);
        var cut = tokenizer.Encode(text, maxLength: 8);
        Assert.Equal(8, cut.Length);
        Assert.True(cut.Truncated);
        Assert.Equal(full.Length, cut.UntruncatedLength);
        Assert.Equal(full.Ids[..7], cut.Ids[..7]);
        Assert.Equal(tokenizer.SeparatorId, cut.Ids[^1]);
        Assert.Equal(full.Length, tokenizer.CountTokens(text));
        Assert.Equal([0L, 2], tokenizer.Encode("").Ids);
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Encode("x", maxLength: 1));
    }

    [Fact]
    public void Special_ids_and_tokens_follow_the_xlmr_layout()
    {
        var tokenizer = Xlmr.Value;
        Assert.Equal((0, 2, 1, 3), (tokenizer.ClassificationId, tokenizer.SeparatorId, tokenizer.PaddingId, tokenizer.UnknownId));
        Assert.Equal(["<s>", "<pad>", "</s>", "<unk>", "▁"], tokenizer.GetTokens([0, 1, 2, 3, 4]));
        Assert.Equal("<mask>", tokenizer.GetToken(tokenizer.VocabularySize - 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.GetToken(tokenizer.VocabularySize));
        Assert.False(tokenizer.ByteFallback);
        Assert.True(UnigramTokenizer.FromTokenizerJson(UnigramFixtures.ByteFallbackJson).ByteFallback);
    }

    [Fact]
    public void Concurrent_callers_get_the_same_ids()
    {
        var tokenizer = Xlmr.Value;
        var texts = UnigramFixtures.For("xlmr").Texts.Select(t => t.Text).ToArray();
        var expected = texts.Select(t => tokenizer.Encode(t).Ids).ToArray();
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < texts.Length; i++)
            {
                Assert.Equal(expected[i], tokenizer.Encode(texts[i]).Ids);
            }
        });
    }

    [Fact]
    public void Offsets_point_at_the_original_text()
    {
        var tokenizer = Xlmr.Value;
        const string text = "Hello  world 你好，ＡＢＣ <mask>!";
        var ids = tokenizer.Encode(text).Ids[1..^1];
        var offsets = tokenizer.GetPieceOffsets(text)!;
        Assert.Equal(ids.Length, offsets.Length);
        var pieces = tokenizer.GetTokens(ids);
        var spans = offsets.Select(o => text[o.Start..o.End]).ToArray();
        for (var i = 0; i < pieces.Length; i++)
        {
            // A piece's span is the text it was normalized from: ▁ stands for the space it replaced (the last one of a
            // run), and a ▁ put before a segment for that segment's first character.
            var piece = pieces[i];
            var span = spans[i];
            if (piece == "<mask>")
            {
                Assert.Equal(" <mask>", span); // lstrip: the token takes the space before it
                continue;
            }

            var core = piece.Replace("▁", "", StringComparison.Ordinal);
            if (core.Length == 0)
            {
                Assert.True(span == " " || offsets[i] == (offsets[i + 1].Start, offsets[i + 1].Start + 1), $"▁ at {offsets[i]}");
                continue;
            }

            Assert.Equal(core, Normalize(span).Replace(" ", "", StringComparison.Ordinal));
        }

        Assert.Equal("▁Hello▁world▁你好,ABC<mask>▁!", string.Concat(pieces));
        Assert.Equal(6, offsets[Array.FindIndex(pieces, p => p.StartsWith("▁w", StringComparison.Ordinal))].Start); // the run's last space
        Assert.Equal(text.Length, offsets[^1].End);
        Assert.True(offsets.Zip(offsets.Skip(1)).All(p => p.First.Start <= p.Second.Start), "spans are in order");
    }

    [Fact]
    public void Offsets_of_byte_pieces_share_their_character()
    {
        var tokenizer = UnigramTokenizer.FromTokenizerJson(UnigramFixtures.ByteFallbackJson);
        const string text = "a😀b";
        var ids = tokenizer.Encode(text).Ids[1..^1];
        var pieces = tokenizer.GetTokens(ids);
        var offsets = tokenizer.GetPieceOffsets(text)!;
        var bytes = Enumerable.Range(0, pieces.Length).Where(i => pieces[i].StartsWith("<0x", StringComparison.Ordinal)).ToArray();
        Assert.Equal(4, bytes.Length); // F0 9F 98 80
        Assert.All(bytes, i => Assert.Equal((1, 3), offsets[i]));
    }

    [Fact]
    public void A_unigram_model_folder_loads_with_its_tokenizer()
    {
        var dir = UnigramFolder("tokenizer.json");
        using var embedder = SentenceEmbedder.Create(dir);
        Assert.IsType<UnigramTokenizer>(embedder.Tokenizer);
        using var oracle = new Tokenizers.DotNet.Tokenizer(UnigramFixtures.XlmrJson);
        const string text = "query: 嵌入模型把文本变成向量 Embedding models";
        Assert.Equal(UnigramOracleTests.Ids(oracle, text), embedder.Tokenize(text).Ids);
        var (tokens, input, offsets) = embedder.TokenizeWithOffsets(text);
        Assert.Equal(tokens.Length - 2, offsets!.Length);
        Assert.Equal(text, input);
        var vector = embedder.Embed(text);
        Assert.Equal(384, vector.Length);
    }

    [Fact]
    public void A_folder_with_only_sentencepiece_model_loads_with_fairseq_ids()
    {
        var dir = UnigramFolder("sentencepiece.bpe.model");
        using var embedder = SentenceEmbedder.Create(dir);
        var expected = UnigramFixtures.For("xlmr").Texts.First(t => t.Set == "tutorial");
        Assert.Equal(expected.Ids, embedder.Tokenize(expected.Text).Ids);
    }

    [Theory]
    [InlineData("WordLevel", "the tokenizer model is WordLevel; Qianru runs WordPiece (BERT) and Unigram (SentencePiece, XLM-RoBERTa) tokenizers.")]
    [InlineData("BPE", "the tokenizer model is BPE; Qianru runs WordPiece (BERT) and Unigram (SentencePiece, XLM-RoBERTa) tokenizers.")]
    public void Unsupported_tokenizer_types_fail_in_one_line_naming_the_file(string type, string message)
    {
        var dir = UnigramFolder("tokenizer.json");
        var json = Path.Combine(dir, "tokenizer.json");
        File.WriteAllText(json, "{\"model\":{\"type\":\"" + type + "\",\"vocab\":{\"a\":0},\"merges\":[]}}");
        var ex = Assert.ThrowsAny<Exception>(() => SentenceEmbedder.Create(dir));
        Assert.Equal($"{json}: {message}", ex.Message);
    }

    public static TheoryData<string, string, string> BadFiles() => new()
    {
        { "truncated charsmap", """{"type":"Precompiled","precompiled_charsmap":"AAEAAAEC"}""", "the precompiled_charsmap is corrupt (the header claims a 256-byte trie but only 2 bytes follow)" },
        { "charsmap out of range", """{"type":"Precompiled","precompiled_charsmap":"CAAAAP//////////"}""", "the precompiled_charsmap is corrupt (a trie" },
        { "charsmap not base64", """{"type":"Precompiled","precompiled_charsmap":"%%%"}""", "the precompiled_charsmap is not valid base64." },
        { "NFKC", """{"type":"NFKC"}""", "normalizer NFKC is not supported with a Unigram model; supported: Precompiled, Replace, Strip and Sequence." },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Bad_normalizers_fail_in_one_line_naming_the_file(string name, string normalizer, string message)
    {
        _ = name;
        var json = JsonNode.Parse(File.ReadAllText(UnigramFixtures.XlmrJson))!.AsObject();
        json["normalizer"] = JsonNode.Parse(normalizer);
        var path = Path.Combine(Path.GetTempPath(), "qianru-tests", $"bad-{Guid.NewGuid():N}.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, json.ToJsonString());
        var ex = Assert.ThrowsAny<Exception>(() => UnigramTokenizer.FromTokenizerJson(path));
        Assert.True(ex.Message.StartsWith($"{path}: {message}", StringComparison.Ordinal), ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Theory]
    [InlineData("normalizer", "normalizer Sequence has no \"normalizers\" array.")]
    [InlineData("pre_tokenizer", "pre_tokenizer Sequence has no \"pretokenizers\" array.")]
    public void A_sequence_without_its_list_fails_in_one_line_naming_the_file(string component, string message)
    {
        var json = JsonNode.Parse(File.ReadAllText(UnigramFixtures.XlmrJson))!.AsObject();
        json[component] = JsonNode.Parse("""{"type":"Sequence"}""");
        var path = Path.Combine(Path.GetTempPath(), "qianru-tests", $"bad-{Guid.NewGuid():N}.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, json.ToJsonString());
        var ex = Assert.Throws<InvalidDataException>(() => UnigramTokenizer.FromTokenizerJson(path));
        Assert.Equal($"{path}: {message}", ex.Message);
    }

    [Fact]
    public void A_corrupt_sentencepiece_model_fails_in_one_line()
    {
        var path = Path.Combine(Path.GetTempPath(), "qianru-tests", $"bad-{Guid.NewGuid():N}.model");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, File.ReadAllBytes(UnigramFixtures.XlmrModel)[..1000]);
        var ex = Assert.Throws<InvalidDataException>(() => UnigramTokenizer.FromSentencePieceModel(path));
        Assert.Equal($"{path}: not a SentencePiece model (the protobuf is truncated or malformed).", ex.Message);
    }

    private static string Normalize(string span) => span.Normalize(NormalizationForm.FormKC);

    private static string UnigramFolder(string tokenizerFile)
    {
        var dir = ModelFolders.Create(new ModelFolders.Spec { VocabTxt = false, TokenizerJson = false, DoLowerCase = null });
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), """{"tokenizer_class":"XLMRobertaTokenizer","model_max_length":512,"pad_token":"<pad>"}""");
        var source = tokenizerFile == "tokenizer.json" ? UnigramFixtures.XlmrJson : UnigramFixtures.XlmrModel;
        File.Copy(source, Path.Combine(dir, tokenizerFile));
        return dir;
    }
}
