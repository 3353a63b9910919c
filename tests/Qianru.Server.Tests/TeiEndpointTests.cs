using System.Numerics.Tensors;
using System.Text.Json;

namespace Qianru.Server.Tests;

/// <summary>text-embeddings-inference's endpoints, /health, /info and /metrics.</summary>
[Collection(ServerCollection.Name)]
public sealed class TeiEndpointTests(ServerFixture fixture)
{
    private static readonly string LongText = string.Join(' ', Enumerable.Range(0, 600).Select(i => $"word{i % 50}"));

    [Fact]
    public async Task EmbedGivesTheLocalVectorsNormalizedOrNot()
    {
        string[] texts = ["A man is eating food.", "Someone is playing a guitar."];
        var (status, json) = await fixture.PostAsync("/embed", JsonSerializer.Serialize(new { inputs = texts }));
        Assert.Equal(200, status);
        var expected = ServerFixture.MiniLm.EmbedBatch(texts);
        Assert.Equal(2, json.GetArrayLength());
        for (var i = 0; i < texts.Length; i++)
        {
            Vectors.Close(expected[i], ServerFixture.Floats(json[i]));
        }

        var (_, raw) = await fixture.PostAsync("/embed", JsonSerializer.Serialize(new { inputs = texts[0], normalize = false, dimensions = 32 }));
        Vectors.Close(ServerFixture.MiniLm.Embed(texts[0], new EmbedOptions { Normalize = false, Dimensions = 32 }), ServerFixture.Floats(raw[0]), 1e-4f);
    }

    [Fact]
    public async Task TruncateCutsFromTheRightOrTheLeft()
    {
        var (status, right) = await fixture.PostAsync("/embed", JsonSerializer.Serialize(new { inputs = LongText, truncate = true }));
        Assert.Equal(200, status);
        Vectors.Close(ServerFixture.MiniLm.Embed(LongText), ServerFixture.Floats(right[0]));

        // Left: the last 254 word pieces, as token ids.
        var all = ServerFixture.MiniLm.TokenizeUntruncated(LongText).Ids;
        var tail = all[^255..^1].Select(id => (int)id).ToArray();
        var (_, left) = await fixture.PostAsync("/embed", JsonSerializer.Serialize(new { inputs = LongText, truncate = true, truncation_direction = "Left" }));
        var (_, fromIds) = await fixture.PostAsync("/embed", JsonSerializer.Serialize(new { inputs = tail }));
        Vectors.Close(ServerFixture.Floats(fromIds[0]), ServerFixture.Floats(left[0]));
        Assert.True(TensorPrimitives.CosineSimilarity(ServerFixture.Floats(left[0]), ServerFixture.Floats(right[0])) < 0.9999f);
    }

    [Fact]
    public async Task SimilarityIsTheCosineOfTheLocalVectors()
    {
        var source = "How do I bake bread?";
        string[] sentences = ["Bread baking for beginners", "The stock market fell today", "烤面包的方法"];
        var (status, json) = await fixture.PostAsync("/similarity", JsonSerializer.Serialize(new { inputs = new { source_sentence = source, sentences } }));
        Assert.Equal(200, status);
        var s = ServerFixture.MiniLm.Embed(source);
        var expected = sentences.Select(t => TensorPrimitives.CosineSimilarity(s, ServerFixture.MiniLm.Embed(t))).ToArray();
        Vectors.Close(expected, ServerFixture.Floats(json), 1e-5f);
        Assert.True(expected[0] > expected[1]);
    }

    [Fact]
    public async Task TokenizeGivesTheTokenizersIdsAndPieces()
    {
        var (status, json) = await fixture.PostAsync("/tokenize", """{"inputs":["Hello, world!","嵌入 😀 Café"]}""");
        Assert.Equal(200, status);
        var expected = ServerFixture.MiniLm.Tokenize("Hello, world!").Ids;
        var tokens = json[0].EnumerateArray().ToArray();
        Assert.Equal(expected, tokens.Select(t => t.GetProperty("id").GetInt64()));

        // As TEI: special tokens carry their token and no span; the others the original text and its span in code points.
        Assert.Equal(["[CLS]", "Hello", ",", "world", "!", "[SEP]"], tokens.Select(t => t.GetProperty("text").GetString()));
        Assert.Equal([true, false, false, false, false, true], tokens.Select(t => t.GetProperty("special").GetBoolean()));
        Assert.Equal(JsonValueKind.Null, tokens[0].GetProperty("start").ValueKind);
        Assert.Equal([(0, 5), (5, 6), (7, 12), (12, 13)], tokens[1..^1].Select(t => (t.GetProperty("start").GetInt32(), t.GetProperty("stop").GetInt32())));

        // Offsets count code points: the emoji (one [UNK]) is one code point, so "Café" starts at 5.
        var second = json[1].EnumerateArray().ToArray()[1..^1];
        Assert.Equal(["嵌", "入", "😀", "Café"], second.Select(t => t.GetProperty("text").GetString()));
        Assert.Equal([(0, 1), (1, 2), (3, 4), (5, 9)], second.Select(t => (t.GetProperty("start").GetInt32(), t.GetProperty("stop").GetInt32())));

        var (_, plain) = await fixture.PostAsync("/tokenize", """{"inputs":"Hello, world!","add_special_tokens":false}""");
        Assert.Equal(expected[1..^1], plain[0].EnumerateArray().Select(t => t.GetProperty("id").GetInt64()));
    }

    [Fact]
    public async Task HealthInfoAndMetricsAnswer()
    {
        Assert.Equal("ok", JsonDocument.Parse(await fixture.Http.GetStringAsync("/health")).RootElement.GetProperty("status").GetString());
        var info = JsonDocument.Parse(await fixture.Http.GetStringAsync("/info")).RootElement;
        Assert.Equal("minilm", info.GetProperty("model_id").GetString());
        Assert.Equal(256, info.GetProperty("max_input_length").GetInt32());

        await fixture.PostAsync("/v1/embeddings", """{"input":["metrics one","metrics two"]}""");
        using var response = await fixture.Http.GetAsync("/metrics");
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        var text = await response.Content.ReadAsStringAsync();
        foreach (var name in new[]
                 {
                     "# TYPE qianru_requests_total counter", "qianru_requests_total{path=\"/v1/embeddings\",status=\"200\"}",
                     "# TYPE qianru_request_duration_seconds histogram", "qianru_request_duration_seconds_bucket{path=\"/v1/embeddings\",le=\"+Inf\"}",
                     "qianru_queue_size{model=\"minilm\"} ", "qianru_tokens_total{model=\"minilm\"} ", "qianru_batch_inputs_bucket{le=\"1\"}",
                     "qianru_batch_tokens_count ", "qianru_batch_duration_seconds_sum ",
                 })
        {
            Assert.Contains(name, text, StringComparison.Ordinal);
        }

        // Every sample line is "name{labels} number".
        foreach (var line in text.Split('\n').Where(l => l.Length > 0 && l[0] != '#'))
        {
            Assert.Matches(@"^[a-z_]+(\{[^}]*\})? [0-9.eE+-]+$", line);
        }
    }
}
