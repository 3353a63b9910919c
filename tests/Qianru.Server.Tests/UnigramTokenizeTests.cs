using System.Text.Json;

namespace Qianru.Server.Tests;

/// <summary>
/// <c>/tokenize</c> and <c>/embed</c> for a model with an XLM-R SentencePiece tokenizer (the committed Unigram fixture;
/// the embedded MiniLM weights stand in for the network).
/// </summary>
public sealed class UnigramTokenizeTests
{
    [Fact]
    public async Task Tokenize_gives_sentencepiece_pieces_with_code_point_spans()
    {
        var dir = Path.Combine(Path.GetTempPath(), "qianru-server-tests", "unigram-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(dir, "onnx"));
        File.WriteAllBytes(Path.Combine(dir, "onnx", "model.onnx"), Qianru.Models.EmbeddedModels.ReadOnnx(Qianru.Models.EmbeddedModels.MiniLM));
        File.WriteAllText(Path.Combine(dir, "config.json"), """{"model_type":"bert","hidden_size":384,"max_position_embeddings":512}""");
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), """{"tokenizer_class":"XLMRobertaTokenizer","model_max_length":512}""");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "unigram", "xlmr", "tokenizer.json"), Path.Combine(dir, "tokenizer.json"));

        using var embedder = SentenceEmbedder.Create(dir);
        await using var server = await QianruServer.StartAsync([embedder], new QianruServerOptions { Port = 0 });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        using var response = await http.PostAsync("/tokenize", ServerFixture.Json("""{"inputs":["😀 你好，world"]}"""));
        Assert.Equal(200, (int)response.StatusCode);
        var tokens = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement[0].EnumerateArray().ToArray();
        Assert.Equal(embedder.Tokenize("😀 你好，world").Ids, tokens.Select(t => t.GetProperty("id").GetInt64()));
        Assert.Equal([true, false, false, false, false, false, false, false, false, false, true], tokens.Select(t => t.GetProperty("special").GetBoolean()));
        Assert.Equal(["<s>", "▁", "<unk>", "▁", "你", "好", ",", "w", "or", "ld", "</s>"], tokens.Select(t => t.GetProperty("text").GetString()!).Select((t, i) => i is 0 or 10 ? t : Piece(embedder, tokens[i])));
        var spans = tokens[1..^1].Select(t => (t.GetProperty("start").GetInt32(), t.GetProperty("stop").GetInt32())).ToArray();
        Assert.Equal([(0, 1), (0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 6), (6, 8), (8, 10)], spans);

        using var embed = await http.PostAsync("/embed", ServerFixture.Json("""{"inputs":"嵌入模型","normalize":false}"""));
        Assert.Equal(200, (int)embed.StatusCode);
        var body = await embed.Content.ReadAsStringAsync();
        Vectors.Close(embedder.Embed("嵌入模型"), ServerFixture.Floats(JsonDocument.Parse(body).RootElement[0]));
    }

    private static string Piece(SentenceEmbedder embedder, JsonElement token) => embedder.Tokenizer.GetToken(token.GetProperty("id").GetInt64());
}
