using System.Text.Json;
using Qianru.Cli.Tests.Support;
using Qianru.Tokenization;

namespace Qianru.Cli.Tests.Embedding;

/// <summary>
/// <c>qianru tokenize</c> and <c>qianru embed</c> on a model folder with an XLM-R SentencePiece tokenizer (the committed
/// Unigram fixture; the embedded MiniLM weights stand in for the network, its vocabulary being larger).
/// </summary>
public sealed class UnigramModelCliTests
{
    private static string Fixture(string file) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "unigram", "xlmr", file);

    internal static string Folder(string tokenizerFile)
    {
        var dir = Path.Combine(QianruCli.TempDir(), "multilingual-" + Path.GetFileNameWithoutExtension(tokenizerFile));
        Directory.CreateDirectory(Path.Combine(dir, "onnx"));
        File.WriteAllBytes(Path.Combine(dir, "onnx", "model.onnx"), Qianru.Models.EmbeddedModels.ReadOnnx(Qianru.Models.EmbeddedModels.MiniLM));
        File.WriteAllText(Path.Combine(dir, "config.json"), """{"model_type":"bert","hidden_size":384,"max_position_embeddings":512}""");
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), """{"tokenizer_class":"XLMRobertaTokenizer","model_max_length":512}""");
        File.Copy(Fixture(tokenizerFile), Path.Combine(dir, tokenizerFile));
        return dir;
    }

    [Theory]
    [InlineData("tokenizer.json")]
    [InlineData("sentencepiece.bpe.model")]
    public void Tokenize_shows_sentencepiece_pieces_ids_and_code_point_offsets(string tokenizerFile)
    {
        var dir = Folder(tokenizerFile);
        const string text = "😀 你好，world";
        var result = QianruCli.Run("tokenize", "--model", dir, "--format", "jsonl", text);
        Assert.True(result.ExitCode == 0, result.Error);
        using var doc = JsonDocument.Parse(result.Out.Trim());
        var root = doc.RootElement;
        var expected = UnigramTokenizer.FromTokenizerJson(Fixture("tokenizer.json")).Encode(text).Ids;
        Assert.Equal(expected, root.GetProperty("ids").EnumerateArray().Select(x => x.GetInt64()));
        var tokens = root.GetProperty("tokens").EnumerateArray().Select(x => x.GetString()!).ToArray();
        Assert.Equal("<s>", tokens[0]);
        Assert.Equal("</s>", tokens[^1]);
        // nmt_nfkc maps the full-width comma to ",".
        Assert.Equal("▁你好,world", string.Concat(tokens[1..^1]).Replace("<unk>", "", StringComparison.Ordinal).Replace("▁▁", "▁", StringComparison.Ordinal));

        // Offsets in code points: the ▁ put before the text shares the first character's span (as in Hugging Face),
        // the emoji is one code point (one <unk>), the ▁ before 你 is the space at 1, the full-width comma is at 4.
        Assert.Equal(["<s>", "▁", "<unk>", "▁", "你", "好", ",", "w", "or", "ld", "</s>"], tokens);
        var offsets = root.GetProperty("offsets").EnumerateArray()
            .Select(o => o.ValueKind == JsonValueKind.Null ? "none" : $"{o[0].GetInt32()}-{o[1].GetInt32()}").ToArray();
        Assert.Equal(["none", "0-1", "0-1", "1-2", "2-3", "3-4", "4-5", "5-6", "6-8", "8-10", "none"], offsets);
    }

    [Fact]
    public void Embed_runs_a_unigram_model_folder()
    {
        var dir = Folder("tokenizer.json");
        var result = QianruCli.Run("embed", "--model", dir, "嵌入模型", "Embedding models");
        Assert.True(result.ExitCode == 0, result.Error);
        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using var doc = JsonDocument.Parse(lines[0]);
        Assert.Equal(384, doc.RootElement.GetProperty("embedding").GetArrayLength());
    }

    [Fact]
    public void An_unsupported_tokenizer_type_exits_2_with_one_line()
    {
        var dir = Folder("tokenizer.json");
        var json = Path.Combine(dir, "tokenizer.json");
        File.WriteAllText(json, """{"model":{"type":"WordLevel","vocab":{"a":0},"unk_token":"a"}}""");
        var result = QianruCli.Run("tokenize", "--model", dir, "x");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{json}: the tokenizer model is WordLevel; Qianru runs WordPiece (BERT) and Unigram (SentencePiece, XLM-RoBERTa) tokenizers.", result.Error);
        Assert.Single(result.Error.Trim().Split('\n'));
    }
}
