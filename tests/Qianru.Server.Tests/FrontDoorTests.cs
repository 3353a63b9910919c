using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Qianru.Server.Tests;

/// <summary>Two servers for <see cref="FrontDoorTests"/>: an open one (as the shared fixture) and one with an API key.</summary>
public sealed class FrontDoorFixture : IAsyncLifetime
{
    public const string Key = "k3y-for-the-front-door";

    public QianruServer Open { get; private set; } = null!;

    public QianruServer Keyed { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Open = await QianruServer.StartAsync([ServerFixture.MiniLm], new QianruServerOptions { Port = 0, MaxClientBatchSize = 64 });
        Keyed = await QianruServer.StartAsync([ServerFixture.MiniLm], new QianruServerOptions { Port = 0, ApiKey = Key });
    }

    public async Task DisposeAsync()
    {
        await Open.DisposeAsync();
        await Keyed.DisposeAsync();
    }
}

/// <summary>
/// The server's front door as a table: every server case of issue #17 (and the probe's others) is a row of input,
/// expected status and expected message fragment, so that none regresses. Text that is not valid Unicode is a 400
/// naming the item; POST bodies must be application/json (415); the Host must be one the server answers to (DNS
/// rebinding); the API key guards all but /health and the page; /tokenize is bounded as embedding is.
/// </summary>
public sealed class FrontDoorTests(FrontDoorFixture fixture) : IClassFixture<FrontDoorFixture>
{
    private const string Json = "application/json";

    public static TheoryData<string, FrontDoorCase> Cases
    {
        get
        {
            var data = new TheoryData<string, FrontDoorCase>();
            foreach (var (name, row) in Rows)
            {
                data.Add(name, row);
            }

            return data;
        }
    }

    private static readonly (string Name, FrontDoorCase Row)[] Rows =
    [
        // Text that is not valid Unicode: 400 naming the item, on every endpoint that reads text (was 500).
        Case("invalid UTF-8 in input", "/v1/embeddings", Bytes("{\"input\":\"caf", new byte[] { 0xFF }, "\"}"), 400, "'input' is not valid Unicode: it holds invalid UTF-8 byte 0xFF"),
        Case("invalid UTF-8 in input[1]", "/v1/embeddings", Bytes("{\"input\":[\"ok\",\"caf", new byte[] { 0xC3 }, "\"]}"), 400, "'input[1]' is not valid Unicode"),
        Case("UTF-8-encoded surrogate in input", "/v1/embeddings", Bytes("{\"input\":\"x", new byte[] { 0xED, 0xA0, 0x80 }, "\"}"), 400, "invalid UTF-8 byte 0xED"),
        Case("overlong UTF-8 in input", "/v1/embeddings", Bytes("{\"input\":\"x", new byte[] { 0xC0, 0xAF }, "\"}"), 400, "invalid UTF-8 byte 0xC0"),
        Case("lone high surrogate escape in input[1]", "/v1/embeddings", Bytes("""{"input":["ok","a\ud800b"]}"""), 400, "'input[1]' is not valid Unicode: it holds a lone surrogate escape \\ud800"),
        Case("lone low surrogate escape in input", "/v1/embeddings", Bytes("""{"input":"\udc00"}"""), 400, "'input' is not valid Unicode: it holds a lone surrogate escape \\udc00"),
        Case("reversed surrogate pair in input", "/v1/embeddings", Bytes("""{"input":"\ude00\ud83d"}"""), 400, "lone surrogate escape \\ude00"),
        Case("invalid UTF-8 in model", "/v1/embeddings", Bytes("{\"model\":\"mini", new byte[] { 0xFF }, "\",\"input\":\"a\"}"), 400, "'model' is not valid Unicode"),
        Case("invalid UTF-8 in /embed inputs", "/embed", Bytes("{\"inputs\":\"", new byte[] { 0xFE }, "\"}"), 400, "'inputs' is not valid Unicode"),
        Case("lone surrogate in /embed inputs[2]", "/embed", Bytes("""{"inputs":["a","b","\ud800"]}"""), 400, "'inputs[2]' is not valid Unicode"),
        Case("lone surrogate in /embed prompt_name", "/embed", Bytes("""{"inputs":"a","prompt_name":"q\ud800"}"""), 400, "'prompt_name' is not valid Unicode"),
        Case("invalid UTF-8 in /similarity source", "/similarity", Bytes("{\"inputs\":{\"source_sentence\":\"", new byte[] { 0x80 }, "\",\"sentences\":[\"a\"]}}"), 400, "'inputs.source_sentence' is not valid Unicode"),
        Case("lone surrogate in /similarity sentences[0]", "/similarity", Bytes("""{"inputs":{"source_sentence":"a","sentences":["\udbff"]}}"""), 400, "'inputs.sentences[0]' is not valid Unicode"),
        Case("invalid UTF-8 in /tokenize inputs", "/tokenize", Bytes("{\"inputs\":\"", new byte[] { 0xF8, 0x88 }, "\"}"), 400, "'inputs' is not valid Unicode"),
        Case("lone surrogate in /tokenize inputs[1]", "/tokenize", Bytes("""{"inputs":["a","\ud800"]}"""), 400, "'inputs[1]' is not valid Unicode"),
        Case("invalid UTF-8 in a body that is not JSON", "/v1/embeddings", Bytes("{\"input\":\"a", new byte[] { 0xFF }), 400, "The request body is not valid Unicode: it holds invalid UTF-8 byte 0xFF at byte 11"),
        Case("invalid UTF-8 in an unknown field", "/v1/embeddings", Bytes("{\"input\":\"a\",\"extra\":[\"", new byte[] { 0xFF }, "\"]}"), 400, "'extra[0]' is not valid Unicode"),
        Case("a surrogate pair is valid", "/v1/embeddings", Bytes("""{"input":"smile \ud83d\ude00"}"""), 200, "\"embedding\""),
        Case("a CJK text is valid", "/tokenize", Bytes("""{"inputs":"嵌入"}"""), 200, "\"嵌\""),

        // Only JSON bodies on POST routes (a web page can send text/plain without a CORS preflight).
        Case("text/plain body", "/v1/embeddings", Bytes("""{"input":"a"}"""), 415, "Content-Type 'text/plain; charset=utf-8' is not accepted", contentType: "text/plain; charset=utf-8"),
        Case("form body", "/embed", Bytes("""{"inputs":"a"}"""), 415, "Content-Type 'application/x-www-form-urlencoded' is not accepted", contentType: "application/x-www-form-urlencoded"),
        Case("text/plain to /similarity", "/similarity", Bytes("""{"inputs":{"source_sentence":"a","sentences":["b"]}}"""), 415, "send the body as JSON", contentType: "text/plain"),
        Case("text/plain to /tokenize", "/tokenize", Bytes("""{"inputs":"a"}"""), 415, "send the body as JSON", contentType: "text/plain"),
        Case("no Content-Type", "/v1/embeddings", Bytes("""{"input":"a"}"""), 415, "The request has no Content-Type", contentType: null),
        Case("JSON in another charset", "/v1/embeddings", Bytes("""{"input":"a"}"""), 415, "charset=iso-8859-1", contentType: "application/json; charset=iso-8859-1"),
        Case("JSON with charset=utf-8", "/v1/embeddings", Bytes("""{"input":"a"}"""), 200, "\"embedding\"", contentType: "application/json; charset=utf-8"),
        Case("JSON in capitals", "/embed", Bytes("""{"inputs":"a"}"""), 200, "[[", contentType: "Application/JSON"),
        Case("GET needs no Content-Type", "/v1/models", null, 200, "\"minilm\"", method: "GET", contentType: null),

        // Host: the localhost names on a loopback server; nothing else (DNS rebinding), except for /health.
        Case("foreign Host", "/v1/embeddings", Bytes("""{"input":"a"}"""), 400, "Host 'evil.example' is not a name this server answers to", host: "evil.example"),
        Case("foreign Host with port", "/tokenize", Bytes("""{"inputs":"a"}"""), 400, "Host 'evil.example'", host: "evil.example:8080"),
        Case("foreign Host on GET", "/v1/models", null, 400, "--allowed-hosts", method: "GET", host: "attacker.test"),
        Case("Host ending like a localhost name", "/v1/embeddings", Bytes("""{"input":"a"}"""), 400, "Host 'localhost.evil.example'", host: "localhost.evil.example"),
        Case("Host that starts with 127.0.0.1", "/v1/embeddings", Bytes("""{"input":"a"}"""), 400, "Host '127.0.0.1.evil.example'", host: "127.0.0.1.evil.example"),
        Case("foreign Host may ask /health", "/health", null, 200, "\"ok\"", method: "GET", host: "evil.example"),
        Case("Host localhost", "/v1/embeddings", Bytes("""{"input":"a"}"""), 200, "\"embedding\"", host: "localhost:8080"),
        Case("Host 127.0.0.1", "/v1/embeddings", Bytes("""{"input":"a"}"""), 200, "\"embedding\"", host: "127.0.0.1"),
        Case("Host [::1]", "/v1/embeddings", Bytes("""{"input":"a"}"""), 200, "\"embedding\"", host: "[::1]:9000"),
        Case("Host under .localhost", "/v1/embeddings", Bytes("""{"input":"a"}"""), 200, "\"embedding\"", host: "app.localhost"),
        Case("Host in capitals", "/v1/embeddings", Bytes("""{"input":"a"}"""), 200, "\"embedding\"", host: "LOCALHOST"),

        // The API key guards everything but /health and the page.
        Case("no API key", "/v1/embeddings", Bytes("""{"input":"a"}"""), 401, "Missing or wrong API key", server: "keyed"),
        Case("wrong API key", "/tokenize", Bytes("""{"inputs":"a"}"""), 401, "Missing or wrong API key", server: "keyed", auth: "Bearer guess"),
        Case("no API key for /metrics", "/metrics", null, 401, "Missing or wrong API key", server: "keyed", method: "GET"),
        Case("right API key", "/v1/embeddings", Bytes("""{"input":"a"}"""), 200, "\"embedding\"", server: "keyed", auth: "Bearer " + FrontDoorFixture.Key),
        Case("/health needs no key", "/health", null, 200, "\"ok\"", server: "keyed", method: "GET"),

        // /tokenize is bounded as embedding is: inputs per request, and tokens per request.
        Case("/tokenize over --max-client-batch-size", "/tokenize", Bytes(JsonSerializer.Serialize(new { inputs = Enumerable.Repeat("a", 65).ToArray() })), 413, "at most 64 per request (--max-client-batch-size)"),
        Case("/tokenize over the token budget", "/tokenize", Bytes(JsonSerializer.Serialize(new { inputs = string.Join(' ', Enumerable.Repeat("word", 17_000)) })), 413, "/tokenize answers at most as many as the largest embedding request: 64 inputs"),
        Case("/tokenize within the token budget", "/tokenize", Bytes(JsonSerializer.Serialize(new { inputs = string.Join(' ', Enumerable.Repeat("word", 16_000)) })), 200, "\"word\""),
        Case("/v1/embeddings over --max-client-batch-size", "/v1/embeddings", Bytes(JsonSerializer.Serialize(new { input = Enumerable.Repeat("a", 65).ToArray() })), 413, "--max-client-batch-size"),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task EveryCaseGetsItsStatusAndMessage(string name, FrontDoorCase row)
    {
        var server = row.Server == "keyed" ? fixture.Keyed : fixture.Open;
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        using var request = new HttpRequestMessage(new HttpMethod(row.Method), row.Path);
        if (row.Body is not null)
        {
            request.Content = new ByteArrayContent(row.Body);
            request.Content.Headers.ContentType = null;
            if (row.ContentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", row.ContentType);
            }
        }

        if (row.Host is not null)
        {
            request.Headers.Host = row.Host;
        }

        if (row.Auth is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", row.Auth);
        }

        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(row.Status == (int)response.StatusCode, $"{name}: expected {row.Status}, got {(int)response.StatusCode}: {body[..Math.Min(body.Length, 300)]}");
        Assert.True(response.Headers.Contains("X-Request-Id"), $"{name}: no X-Request-Id");
        if (row.Status >= 400)
        {
            var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
            Assert.Contains(row.Fragment, error.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains(row.Fragment, body, StringComparison.Ordinal);
        }

        // The server keeps serving.
        using var again = new HttpRequestMessage(HttpMethod.Post, "/v1/embeddings") { Content = ServerFixture.Json("""{"input":"still here"}""") };
        if (row.Server == "keyed")
        {
            again.Headers.Authorization = new AuthenticationHeaderValue("Bearer", FrontDoorFixture.Key);
        }

        using var ok = await http.SendAsync(again);
        Assert.Equal(200, (int)ok.StatusCode);
    }

    [Fact]
    public async Task AClaimedHugeBodyIs413AtOnce()
    {
        // Content-Length is a claim: the server refuses it against --max-request-bytes instead of allocating or waiting.
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(fixture.Open.BaseAddress.Host, fixture.Open.BaseAddress.Port);
        var stream = tcp.GetStream();
        var head = $"POST /v1/embeddings HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2000000000\r\n\r\n{{\"input\":\"a\"}}";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var status = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.StartsWith("HTTP/1.1 413", status, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyApiKeyIsRefusedAtStartup()
    {
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => new QianruServerOptions { ApiKey = "" }).Message, StringComparison.Ordinal);
        Assert.Contains("whitespace", Assert.Throws<ArgumentException>(() => new QianruServerOptions { ApiKey = " key" }).Message, StringComparison.Ordinal);
        Assert.Null(new QianruServerOptions().ApiKey);
    }

    [Fact]
    public async Task AllowedHostsReplaceTheLocalhostNames()
    {
        await using var server = await QianruServer.StartAsync([ServerFixture.MiniLm], new QianruServerOptions { Port = 0, AllowedHosts = ["Embed.Example.com", "*.corp.example"] });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        async Task<int> Status(string host)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
            request.Headers.Host = host;
            using var response = await http.SendAsync(request);
            return (int)response.StatusCode;
        }

        Assert.Equal(200, await Status("embed.example.com"));
        Assert.Equal(200, await Status("a.b.corp.example:443"));
        Assert.Equal(400, await Status("corp.example"));
        Assert.Equal(400, await Status("localhost"));
        Assert.Equal(400, await Status("example.com"));
        Assert.Throws<ArgumentException>(() => new QianruServerOptions { AllowedHosts = ["bad host!"] });
        Assert.Throws<ArgumentException>(() => new QianruServerOptions { AllowedHosts = [""] });
    }

    [Fact]
    public async Task AServerOnAllInterfacesAnswersAnyHostUnlessTold()
    {
        await using var server = await QianruServer.StartAsync([ServerFixture.MiniLm], new QianruServerOptions { Port = 0, Host = "0.0.0.0" });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.BaseAddress.Port}/") };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        request.Headers.Host = "10.1.2.3:8080";
        using var response = await http.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
    }

    private static (string, FrontDoorCase) Case(string name, string path, byte[]? body, int status, string fragment,
        string? contentType = Json, string? host = null, string server = "open", string? auth = null, string method = "POST") =>
        (name, new FrontDoorCase(server, method, path, contentType, host, auth, body, status, fragment));

    private static byte[] Bytes(params object[] parts)
    {
        var bytes = new List<byte>();
        foreach (var part in parts)
        {
            bytes.AddRange(part is string s ? Encoding.UTF8.GetBytes(s) : (byte[])part);
        }

        return [.. bytes];
    }
}

/// <summary>One row of <see cref="FrontDoorTests"/>.</summary>
public sealed record FrontDoorCase(string Server, string Method, string Path, string? ContentType, string? Host, string? Auth, byte[]? Body, int Status, string Fragment)
{
    public override string ToString() => $"{Method} {Path} → {Status}";
}
