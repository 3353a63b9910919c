using System.ClientModel;
using System.Runtime.InteropServices;
using System.Text.Json;
using OpenAI;
using OpenAI.Embeddings;
using OpenAI.Models;

namespace Qianru.Server.Tests;

/// <summary>The official OpenAI .NET client against <c>/v1/embeddings</c> on a real Kestrel: the same vectors as the local engine.</summary>
[Collection(ServerCollection.Name)]
public sealed class OpenAIEndpointTests(ServerFixture fixture)
{
    private static readonly string[] Texts =
    [
        "A man is eating food.",
        "嵌入把文本变成向量。",
        "The quick brown fox jumps over the lazy dog near the riverbank at dawn.",
    ];

    private OpenAIClientOptions ClientOptions => new() { Endpoint = new Uri(fixture.Server.BaseAddress, "v1") };

    private EmbeddingClient Client => new("minilm", new ApiKeyCredential("unused"), ClientOptions);

    [Fact]
    public async Task OfficialClientGetsTheLocalVectorsAndUsage()
    {
        var result = (await Client.GenerateEmbeddingsAsync(Texts)).Value;
        var expected = ServerFixture.MiniLm.EmbedBatch(Texts);
        Assert.Equal(Texts.Length, result.Count);
        for (var i = 0; i < Texts.Length; i++)
        {
            Assert.Equal(i, result[i].Index);
            Vectors.Close(expected[i], result[i].ToFloats().Span);
        }

        Assert.Equal(Texts.Sum(t => ServerFixture.MiniLm.Tokenize(t).Length), result.Usage.InputTokenCount);
        Assert.Equal("minilm", result.Model);
    }

    [Fact]
    public async Task DimensionsKeepThePrefixRenormalized()
    {
        var result = (await Client.GenerateEmbeddingAsync(Texts[2], new EmbeddingGenerationOptions { Dimensions = 64 })).Value.ToFloats();
        var expected = ServerFixture.MiniLm.Embed(Texts[2], new EmbedOptions { Dimensions = 64 });
        Assert.Equal(64, result.Length);
        Vectors.Close(expected, result.Span);
        Assert.Equal(1.0, Math.Sqrt(result.ToArray().Sum(v => (double)v * v)), 5);
    }

    [Fact]
    public async Task TokenIdInputsEqualTheirText()
    {
        var lists = Texts.Select(t => (ReadOnlyMemory<int>)ServerFixture.MiniLm.Tokenize(t).Ids[1..^1].Select(id => (int)id).ToArray()).ToList();
        var result = (await Client.GenerateEmbeddingsAsync(lists)).Value;
        var expected = ServerFixture.MiniLm.EmbedBatch(Texts);
        for (var i = 0; i < Texts.Length; i++)
        {
            Vectors.Close(expected[i], result[i].ToFloats().Span);
        }

        // A single int[] is one input.
        var (status, body) = await fixture.PostAsync("/v1/embeddings", JsonSerializer.Serialize(new { model = "minilm", input = lists[0].ToArray() }));
        Assert.Equal(200, status);
        Assert.Single(body.GetProperty("data").EnumerateArray());
        Vectors.Close(expected[0], ServerFixture.Floats(body.GetProperty("data")[0].GetProperty("embedding")));
    }

    [Fact]
    public async Task FloatAndBase64FormatsCarryTheSameVector()
    {
        var (s1, asFloat) = await fixture.PostAsync("/v1/embeddings", """{"model":"minilm","input":["hello world"],"encoding_format":"float"}""");
        var (s2, asBase64) = await fixture.PostAsync("/v1/embeddings", """{"model":"minilm","input":"hello world","encoding_format":"base64","user":"u1"}""");
        Assert.Equal((200, 200), (s1, s2));
        var floats = ServerFixture.Floats(asFloat.GetProperty("data")[0].GetProperty("embedding"));
        var bytes = Convert.FromBase64String(asBase64.GetProperty("data")[0].GetProperty("embedding").GetString()!);
        Assert.Equal(384 * 4, bytes.Length);
        var decoded = new float[384];
        for (var i = 0; i < decoded.Length; i++)
        {
            decoded[i] = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4));
        }

        Vectors.Close(floats, decoded);
        Vectors.Close(ServerFixture.MiniLm.Embed("hello world"), decoded);
        Assert.Equal("list", asFloat.GetProperty("object").GetString());
        Assert.Equal("embedding", asFloat.GetProperty("data")[0].GetProperty("object").GetString());
        Assert.Equal(4, asFloat.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(4, asFloat.GetProperty("usage").GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task ModelsListsTheServedModel()
    {
        var models = (await new OpenAIModelClient(new ApiKeyCredential("unused"), ClientOptions).GetModelsAsync()).Value;
        Assert.Equal(["minilm"], models.Select(m => m.Id));
        Assert.Equal("qianru", models[0].OwnedBy);
    }

    [Fact]
    public async Task TwoHundredConcurrentRequestsEqualSingleRequests()
    {
        var texts = Enumerable.Range(0, 200).Select(Sentence).ToArray();
        var client = Client;
        var single = new float[texts.Length][];
        for (var i = 0; i < texts.Length; i++)
        {
            single[i] = (await client.GenerateEmbeddingAsync(texts[i])).Value.ToFloats().ToArray();
        }

        var batchesBefore = BatchCount(await fixture.Http.GetStringAsync("/metrics"));
        var concurrent = await Task.WhenAll(texts.Select(t => Task.Run(async () => (await client.GenerateEmbeddingAsync(t)).Value.ToFloats().ToArray())));
        var batches = BatchCount(await fixture.Http.GetStringAsync("/metrics")) - batchesBefore;
        for (var i = 0; i < texts.Length; i++)
        {
            Vectors.Close(single[i], concurrent[i]);
        }

        // The queue gathered requests: fewer model batches than requests.
        Assert.InRange(batches, 1, 199);
    }

    internal static string Sentence(int i)
    {
        string[] subjects = ["The cat", "A data scientist", "Our new server", "这个模型", "The old library", "Every student"];
        string[] verbs = ["reads", "embeds", "sorts", "ignores", "loves", "计算"];
        string[] objects = ["the morning paper", "a thousand sentences about the sea", "vectors", "中文句子", "long documents with many words in them", "nothing"];
        var extra = string.Concat(Enumerable.Repeat(" and then some more", i % 7));
        return $"{subjects[i % 6]} {verbs[i / 6 % 6]} {objects[i / 36 % 6]}{extra} (#{i}).";
    }

    internal static long BatchCount(string metrics) =>
        long.Parse(metrics.Split('\n').Single(l => l.StartsWith("qianru_batch_inputs_count ", StringComparison.Ordinal)).Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
}
