using System.ClientModel;
using System.Net;
using System.Text.Json;
using OpenAI;
using OpenAI.Embeddings;

namespace Qianru.Server.Tests;

/// <summary>Overload answers 429 at once and recovers; shutdown drains requests in flight; the API key guards the API.</summary>
public sealed class LoadAndLifecycleTests
{
    private static readonly string Paragraph = string.Join(' ', Enumerable.Range(0, 120).Select(i => $"token{i % 37}"));

    private static string HeavyBody(int texts) => JsonSerializer.Serialize(new { input = Enumerable.Repeat(Paragraph, texts).Select((p, i) => $"{i} {p}").ToArray() });

    [Fact]
    public async Task OverloadIs429WithRetryAfterThenTheServerRecovers()
    {
        await using var server = await QianruServer.StartAsync([ServerFixture.MiniLm], new QianruServerOptions { Port = 0, MaxConcurrentRequests = 2, MaxBatchTokens = 64, RetryAfterSeconds = 2 });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => Task.Run(async () =>
        {
            using var response = await http.PostAsync("/v1/embeddings", ServerFixture.Json(HeavyBody(8)));
            return (response.StatusCode, response.Headers.RetryAfter?.Delta, Body: await response.Content.ReadAsStringAsync());
        })));

        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"{r.StatusCode}: {r.Body}"));
        var rejected = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToArray();
        Assert.NotEmpty(rejected);
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(rejected, r =>
        {
            Assert.Equal(TimeSpan.FromSeconds(2), r.Delta);
            var error = JsonDocument.Parse(r.Body).RootElement.GetProperty("error");
            Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
        });

        Assert.Equal(0, server.Pending);
        using var after = await http.PostAsync("/v1/embeddings", ServerFixture.Json("""{"input":"recovered"}"""));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Contains($"qianru_rejected_total{{model=\"minilm\"}} {rejected.Length}", await http.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShutdownAnswersTheRequestsInFlight()
    {
        // The drain must outlast the work in flight (about 10 s of model time alone on 2 cores, several times that when
        // the other test assemblies run beside it), so the host's shutdown timeout is well above the default 30 s here:
        // what is tested is that every admitted request is answered, not how long the machine takes.
        var server = await QianruServer.StartAsync([ServerFixture.MiniLm], new QianruServerOptions { Port = 0, MaxBatchTokens = 64, ShutdownTimeout = TimeSpan.FromMinutes(3) });
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromMinutes(4) };
        var done = 0;
        // One large request is admitted first and keeps the model busy, so that the others are surely still
        // queued when shutdown begins.
        Task<(HttpStatusCode StatusCode, string Body, int Size)> Send(int size) => Task.Run(async () =>
        {
            using var response = await http.PostAsync("/v1/embeddings", ServerFixture.Json(HeavyBody(size)));
            Interlocked.Increment(ref done);
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync(), Size: size);
        });
        var heavy = Send(60);
        var admitted = DateTime.UtcNow.AddSeconds(20);
        while (server.Pending == 0 && Volatile.Read(ref done) == 0 && DateTime.UtcNow < admitted)
        {
            await Task.Delay(2);
        }

        var requests = new[] { heavy }.Concat(Enumerable.Range(0, 8).Select(_ => Send(12))).ToArray();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (server.Pending + Volatile.Read(ref done) < requests.Length && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }

        Assert.True(server.Pending > 0, "requests were answered before shutdown began; the test proves nothing");
        await server.StopAsync();
        var results = await Task.WhenAll(requests);
        Assert.All(results, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.All(results, r => Assert.Equal(r.Size, JsonDocument.Parse(r.Body).RootElement.GetProperty("data").GetArrayLength()));
        await server.DisposeAsync();
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("/health"));
    }

    [Fact]
    public async Task ApiKeyIsRequiredExceptForHealthAndThePage()
    {
        await using var server = await QianruServer.StartAsync([ServerFixture.MiniLm], new QianruServerOptions { Port = 0, ApiKey = "s3cret-key" });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        using (var none = await http.PostAsync("/v1/embeddings", ServerFixture.Json("""{"input":"a"}""")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            Assert.Equal("invalid_api_key", JsonDocument.Parse(await none.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
        }

        foreach (var header in new[] { "Bearer s3cret-kez", "Bearer s3cret-key-and-more", "Basic s3cret-key", "s3cret-key" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
            request.Headers.TryAddWithoutValidation("Authorization", header);
            using var wrong = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/")).StatusCode);

        var client = new EmbeddingClient("minilm", new ApiKeyCredential("s3cret-key"), new OpenAIClientOptions { Endpoint = new Uri(server.BaseAddress, "v1") });
        var vector = (await client.GenerateEmbeddingAsync("with the key")).Value.ToFloats();
        Vectors.Close(ServerFixture.MiniLm.Embed("with the key"), vector.Span);
        var wrongClient = new EmbeddingClient("minilm", new ApiKeyCredential("guess"), new OpenAIClientOptions { Endpoint = new Uri(server.BaseAddress, "v1") });
        var error = await Assert.ThrowsAsync<ClientResultException>(() => wrongClient.GenerateEmbeddingAsync("without"));
        Assert.Equal(401, error.Status);
    }

    [Fact]
    public async Task AutoTruncateEmbedsTheBeginningOfLongInputs()
    {
        await using var server = await QianruServer.StartAsync([ServerFixture.MiniLm], new QianruServerOptions { Port = 0, AutoTruncate = true });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var text = string.Join(' ', Enumerable.Range(0, 500).Select(i => $"w{i % 30}"));
        using var response = await http.PostAsync("/v1/embeddings", ServerFixture.Json(JsonSerializer.Serialize(new { input = text })));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Vectors.Close(ServerFixture.MiniLm.Embed(text), ServerFixture.Floats(json.GetProperty("data")[0].GetProperty("embedding")));
        Assert.Equal(256, json.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());

        // TEI's per-request "truncate": false still refuses.
        using var refused = await http.PostAsync("/embed", ServerFixture.Json(JsonSerializer.Serialize(new { inputs = text, truncate = false })));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
    }

    [Fact]
    public async Task BindsLoopbackByDefaultAndRejectsABadHost()
    {
        await using var server = await QianruServer.StartAsync([ServerFixture.MiniLm], new QianruServerOptions { Port = 0 });
        Assert.Equal("127.0.0.1", server.BaseAddress.Host);
        await Assert.ThrowsAsync<ArgumentException>(() => QianruServer.StartAsync([ServerFixture.MiniLm], new QianruServerOptions { Port = 0, Host = "example.com" }));
    }
}
