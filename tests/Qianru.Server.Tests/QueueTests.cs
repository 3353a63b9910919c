using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Qianru.Server.Tests;

/// <summary>
/// The queue: abandoned requests never reach the model, batches are built once from the server's own limits,
/// /tokenize of a body at the payload limit is bounded, and a 5xx is logged with the request id it answers.
/// </summary>
public sealed class QueueTests
{
    private static string LargeBody(int request) => JsonSerializer.Serialize(new
    {
        input = Enumerable.Range(0, 32).Select(i => string.Join(' ', Enumerable.Range(0, 110).Select(k => $"w{(k * 7 + i + request) % 97}"))).ToArray(),
    });

    [Fact]
    public async Task AfterTenAbandonedLargeRequestsAOneWordRequestIsNotKeptWaiting()
    {
        await using var server = await QianruServer.StartAsync([ServerFixture.MiniLm], new QianruServerOptions { Port = 0 });
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        await PostAsync(http, "/v1/embeddings", """{"input":"warm up"}""");

        var watch = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.OK, await PostAsync(http, "/v1/embeddings", LargeBody(-1)));
        var large = watch.Elapsed;

        // Ten large requests whose clients give up as soon as all ten are queued.
        var clients = Enumerable.Range(0, 10).Select(_ => new CancellationTokenSource()).ToArray();
        var abandoned = clients.Select((c, i) => Task.Run(() => http.PostAsync("/v1/embeddings", ServerFixture.Json(LargeBody(i)), c.Token))).ToArray();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (server.Pending < 10 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(2);
        }

        Assert.Equal(10, server.Pending);
        foreach (var c in clients)
        {
            await c.CancelAsync();
        }

        foreach (var task in abandoned)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        }

        watch.Restart();
        Assert.Equal(HttpStatusCode.OK, await PostAsync(http, "/v1/embeddings", """{"input":"hello"}"""));
        var small = watch.Elapsed;
        Assert.True(small < 2 * large, $"a one-word request took {small.TotalSeconds:F2} s after 10 abandoned requests; one large request takes {large.TotalSeconds:F2} s");

        deadline = DateTime.UtcNow.AddSeconds(10);
        while (server.Pending > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }

        Assert.Equal(0, server.Pending);
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Equal(10, Sample(metrics, "qianru_dropped_requests_total{model=\"minilm\"}"));
        Assert.True(Sample(metrics, "qianru_dropped_sequences_total{model=\"minilm\"}") > 10 * 32 / 2, metrics);
        foreach (var c in clients)
        {
            c.Dispose();
        }
    }

    [Theory]
    [InlineData(256, 32)]
    [InlineData(64, 32)]
    [InlineData(1024, 4)]
    public async Task EachModelCallIsBuiltFromTheServersLimits(int maxBatchTokens, int modelBatchSize)
    {
        await using var server = await QianruServer.StartAsync([ServerFixture.MiniLm], new QianruServerOptions { Port = 0, MaxBatchTokens = maxBatchTokens, ModelBatchSize = modelBatchSize });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var texts = Enumerable.Range(0, 64).Select(i => string.Join(' ', Enumerable.Range(0, 8 + (i % 5)).Select(k => $"word{(i + k) % 13}"))).ToArray();
        using var response = await http.PostAsync("/v1/embeddings", ServerFixture.Json(JsonSerializer.Serialize(new { input = texts })));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var data = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("data");
        var expected = ServerFixture.MiniLm.EmbedBatch(texts);
        for (var i = 0; i < texts.Length; i++)
        {
            Vectors.Close(expected[i], ServerFixture.Floats(data[i].GetProperty("embedding")));
        }

        // One request's 64 sequences were all waiting: each call holds as many as the limits allow, no more.
        var metrics = await http.GetStringAsync("/metrics");
        var calls = Sample(metrics, "qianru_batch_inputs_count");
        Assert.Equal(64, Sample(metrics, "qianru_batch_inputs_sum"));
        var longest = texts.Max(t => ServerFixture.MiniLm.Tokenize(t).Length);
        var perCall = Math.Min(modelBatchSize, maxBatchTokens / longest);
        Assert.True(calls <= Math.Ceiling(1.5 * 64 / perCall) + 1, $"{calls} calls for 64 sequences of at most {longest} tokens: {metrics}");
        Assert.True(Sample(metrics, "qianru_batch_padded_tokens_sum") <= calls * maxBatchTokens);
        if (Bucket(metrics, "qianru_batch_padded_tokens", maxBatchTokens) is { } within)
        {
            Assert.Equal(calls, within);
        }

        if (Bucket(metrics, "qianru_batch_inputs", modelBatchSize) is { } sized)
        {
            Assert.Equal(calls, sized);
        }

        // The batch size is the server's own (not a hidden 8 or 512-token split): calls fill up to it.
        Assert.True(Sample(metrics, "qianru_batch_inputs_sum") / calls > perCall / 2.0, $"{calls} calls, {perCall} per call possible");
    }

    [Fact]
    public async Task ASequenceLongerThanTheBatchBudgetStillRunsAlone()
    {
        await using var server = await QianruServer.StartAsync([ServerFixture.MiniLm], new QianruServerOptions { Port = 0, MaxBatchTokens = 16 });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var text = string.Join(' ', Enumerable.Repeat("long", 40));
        using var response = await http.PostAsync("/v1/embeddings", ServerFixture.Json(JsonSerializer.Serialize(new { input = new[] { text, "short" } })));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var data = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("data");
        Vectors.Close(ServerFixture.MiniLm.Embed(text), ServerFixture.Floats(data[0].GetProperty("embedding")));
        Assert.Equal(2, Sample(await http.GetStringAsync("/metrics"), "qianru_batch_inputs_count"));
    }

    [Fact]
    public async Task TokenizingABodyAtThePayloadLimitIsBounded()
    {
        // The default limits: a 2 MiB body and at most 256 × 256 tokens per request.
        await using var server = await QianruServer.StartAsync([ServerFixture.MiniLm], new QianruServerOptions { Port = 0 });
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        string Body(int bytes) => "{\"inputs\":\"" + string.Concat(Enumerable.Repeat("many words ", bytes / 11)) + "\"}";

        async Task<(HttpStatusCode Status, string Body, TimeSpan Took)> Tokenize(string body)
        {
            var watch = Stopwatch.StartNew();
            using var response = await http.PostAsync("/tokenize", ServerFixture.Json(body));
            var text = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, text, watch.Elapsed);
        }

        var tenth = Body(200 * 1024);
        await Tokenize(tenth);
        var (status, _, took) = await Tokenize(tenth);
        Assert.Equal(HttpStatusCode.OK, status);
        var limit = Body(2 * 1024 * 1024 - 100);
        Assert.True(limit.Length <= 2 * 1024 * 1024);
        var (bigStatus, bigBody, bigTook) = await Tokenize(limit);

        // Refused (more tokens than an embedding request may carry), in about the time of ten 200 KB requests: linear
        // work, not the quadratic ~20 CPU-minutes it once took.
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, bigStatus);
        Assert.Equal("too_many_tokens", JsonDocument.Parse(bigBody).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.True(bigTook < 30 * took, $"2 MiB took {bigTook.TotalSeconds:F2} s; 200 KiB took {took.TotalSeconds:F2} s (linear would be 10×)");
    }

    [Fact]
    public async Task A500IsLoggedWithTheRequestIdItAnswers()
    {
        var logged = new List<(LogLevel Level, string Message, Exception? Error)>();
        using var logs = LoggerFactory.Create(b => b.AddProvider(new ListLogger(logged)));
        var embedder = SentenceEmbedder.Create("minilm");
        await using var server = await QianruServer.StartAsync([embedder], new QianruServerOptions { Port = 0, LoggerFactory = logs });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        embedder.Dispose(); // the model call now fails: an internal error, not the client's

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/embeddings") { Content = ServerFixture.Json("""{"input":"fails"}""") };
        request.Headers.Add("X-Request-Id", "req-42.a");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("req-42.a", response.Headers.GetValues("X-Request-Id").Single());
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("req-42.a", error.GetProperty("request_id").GetString());
        Assert.Contains("request id req-42.a", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Disposed", error.GetRawText(), StringComparison.Ordinal);

        // A request id that is not plain is replaced by the server's own.
        using var odd = new HttpRequestMessage(HttpMethod.Post, "/v1/embeddings") { Content = ServerFixture.Json("""{"input":"fails"}""") };
        odd.Headers.TryAddWithoutValidation("X-Request-Id", "<script>");
        using var oddResponse = await http.SendAsync(odd);
        var own = oddResponse.Headers.GetValues("X-Request-Id").Single();
        Assert.NotEqual("<script>", own);

        lock (logged)
        {
            var entry = Assert.Single(logged, l => l.Message.Contains("req-42.a", StringComparison.Ordinal));
            Assert.Equal(LogLevel.Error, entry.Level);
            Assert.Contains("500", entry.Message, StringComparison.Ordinal);
            Assert.IsType<ObjectDisposedException>(entry.Error);
            Assert.Contains(logged, l => l.Message.Contains(own, StringComparison.Ordinal));
        }
    }

    private static async Task<HttpStatusCode> PostAsync(HttpClient http, string path, string body)
    {
        using var response = await http.PostAsync(path, ServerFixture.Json(body));
        await response.Content.ReadAsByteArrayAsync();
        return response.StatusCode;
    }

    private static double Sample(string metrics, string name) =>
        double.Parse(metrics.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal))[(name.Length + 1)..], CultureInfo.InvariantCulture);

    /// <summary>The count of a histogram bucket whose bound is exactly <paramref name="bound"/>, or null when there is none.</summary>
    private static double? Bucket(string metrics, string name, int bound)
    {
        var prefix = $"{name}_bucket{{le=\"{bound.ToString(CultureInfo.InvariantCulture)}\"}} ";
        var line = metrics.Split('\n').SingleOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? null : double.Parse(line[prefix.Length..], CultureInfo.InvariantCulture);
    }

    private sealed class ListLogger(List<(LogLevel, string, Exception?)> entries) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (entries)
            {
                entries.Add((logLevel, formatter(state, exception), exception));
            }
        }

        public void Dispose()
        {
        }
    }
}
