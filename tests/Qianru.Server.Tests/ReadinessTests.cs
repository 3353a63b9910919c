using System.Net;
using System.Text.Json;

namespace Qianru.Server.Tests;

/// <summary>
/// <c>/health</c> says "not ready" (503) while the models load and while the server drains, so that a load balancer
/// sends nothing to a replica that cannot answer; the port is open in both phases.
/// </summary>
public sealed class ReadinessTests
{
    private static readonly string Paragraph = string.Join(' ', Enumerable.Range(0, 120).Select(i => $"token{i % 37}"));

    [Fact]
    public async Task WhileTheModelsLoadHealthIs503AndTheApiWaits()
    {
        var loading = new TaskCompletionSource<IReadOnlyList<SentenceEmbedder>>();
        await using var server = await QianruServer.StartAsync(loading.Task, new QianruServerOptions { Port = 0 });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        Assert.Empty(server.ModelIds);

        var (status, body) = await GetAsync(http, "/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("loading", body.GetProperty("status").GetString());
        using (var early = await http.PostAsync("/v1/embeddings", ServerFixture.Json("""{"input":"too early"}""")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, early.StatusCode);
            Assert.NotNull(early.Headers.RetryAfter);
            var error = JsonDocument.Parse(await early.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
            Assert.Equal("loading", error.GetProperty("code").GetString());
        }

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/metrics")).StatusCode);
        Assert.False(server.WhenReadyAsync().IsCompleted);

        loading.SetResult([ServerFixture.MiniLm]);
        await server.WhenReadyAsync();
        Assert.Equal(["minilm"], server.ModelIds);
        (status, body) = await GetAsync(http, "/health");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ok", body.GetProperty("status").GetString());
        using var ready = await http.PostAsync("/v1/embeddings", ServerFixture.Json("""{"input":"now"}"""));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task AFailedLoadIsReportedAndHealthSaysFailed()
    {
        var loading = new TaskCompletionSource<IReadOnlyList<SentenceEmbedder>>();
        await using var server = await QianruServer.StartAsync(loading.Task, new QianruServerOptions { Port = 0 });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        loading.SetException(new QianruException("--model ./nothing: not a model folder."));
        var error = await Assert.ThrowsAsync<QianruException>(() => server.WhenReadyAsync());
        Assert.Contains("not a model folder", error.Message, StringComparison.Ordinal);
        var (status, body) = await GetAsync(http, "/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("failed", body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task DrainingAnswers503AndFinishesTheRequestsInFlight()
    {
        var drain = TimeSpan.FromSeconds(1.5);
        var server = await QianruServer.StartAsync([ServerFixture.MiniLm], new QianruServerOptions { Port = 0, MaxBatchTokens = 64, DrainDelay = drain });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var body = JsonSerializer.Serialize(new { input = Enumerable.Range(0, 12).Select(i => $"{i} {Paragraph}").ToArray() });
        var heavy = http.PostAsync("/v1/embeddings", ServerFixture.Json(body));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (server.Pending == 0 && !heavy.IsCompleted && DateTime.UtcNow < deadline)
        {
            await Task.Delay(2);
        }

        Assert.True(server.Pending > 0, "the request was answered before draining began; the test proves nothing");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var stopping = server.StopAsync();

        // The port is still open: /health says draining and new work is refused with 503 + Connection: close, so a
        // load balancer retries it elsewhere.
        using var probe = new HttpClient { BaseAddress = server.BaseAddress };
        var (status, health) = await GetAsync(probe, "/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("draining", health.GetProperty("status").GetString());
        using (var refused = await probe.PostAsync("/v1/embeddings", ServerFixture.Json("""{"input":"too late"}""")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.True(refused.Headers.ConnectionClose);
            Assert.Equal("shutting_down", JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
        }

        using var answered = await heavy;
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal(12, JsonDocument.Parse(await answered.Content.ReadAsStringAsync()).RootElement.GetProperty("data").GetArrayLength());
        await stopping;
        Assert.True(watch.Elapsed >= drain - TimeSpan.FromMilliseconds(50), $"stopped after {watch.Elapsed}, before the drain delay");
        await Assert.ThrowsAsync<HttpRequestException>(() => new HttpClient().GetAsync(new Uri(server.BaseAddress, "/health")));
        await server.DisposeAsync();
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }
}
