using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Qianru.Server.Tests;

/// <summary>One minilm embedder for all tests, and a server on a free loopback port that most tests share.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private static readonly Lazy<SentenceEmbedder> LazyMiniLm = new(() => SentenceEmbedder.Create("minilm"));

    public static SentenceEmbedder MiniLm => LazyMiniLm.Value;

    public QianruServer Server { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await QianruServer.StartAsync([MiniLm], new QianruServerOptions { Port = 0, MaxConcurrentRequests = 1024, MaxClientBatchSize = 64 });
        Http = new HttpClient { BaseAddress = Server.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public async Task<(int Status, JsonElement Body)> PostAsync(string path, string json)
    {
        using var response = await Http.PostAsync(path, Json(json));
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public static float[] Floats(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetSingle())];
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "server";
}
