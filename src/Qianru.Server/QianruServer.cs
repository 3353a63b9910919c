using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Qianru.Server.Endpoints;
using Qianru.Server.Http;

namespace Qianru.Server;

/// <summary>
/// An embedding server that OpenAI and text-embeddings-inference clients can use unchanged: <c>POST /v1/embeddings</c>,
/// <c>GET /v1/models</c>, <c>POST /embed</c>, <c>/similarity</c>, <c>/tokenize</c>, <c>GET /info</c>, <c>/health</c>,
/// <c>/metrics</c> and a playground page at <c>GET /</c>, on Kestrel.
/// </summary>
/// <remarks>
/// <para>Requests to one model share a queue that gathers concurrent inputs into batches bounded by
/// <see cref="QianruServerOptions.MaxBatchTokens"/>; when <see cref="QianruServerOptions.MaxConcurrentRequests"/> requests are
/// already admitted, more are answered 429 with <c>Retry-After</c> at once. <see cref="StopAsync"/> stops accepting
/// connections and answers the requests in flight before it returns.</para>
/// <para>The server does not own the models: dispose them after stopping it. Errors are answered in OpenAI's shape
/// (<c>{"error":{"message","type","param","code"}}</c>) and never carry stack traces or file paths.</para>
/// </remarks>
public sealed class QianruServer : IAsyncDisposable
{
    private static readonly string[] KnownPaths = ["/", "/v1/embeddings", "/v1/models", "/embed", "/similarity", "/tokenize", "/info", "/health", "/metrics"];

    private readonly WebApplication _app;
    private readonly EmbeddingService _service;
    private int _stopped;

    private QianruServer(WebApplication app, EmbeddingService service, Uri baseAddress)
    {
        _app = app;
        _service = service;
        BaseAddress = baseAddress;
    }

    /// <summary>The address the server listens on, e.g. <c>http://127.0.0.1:8080/</c> (with the actual port when 0 was asked for).</summary>
    public Uri BaseAddress { get; }

    /// <summary>The ids of the models served, as clients name them in <c>model</c>; the first is the default.</summary>
    public IReadOnlyList<string> ModelIds => [.. _service.Queues.Select(q => q.Embedder.Model.Id)];

    /// <summary>Embedding requests admitted and not yet answered, over all models.</summary>
    internal int Pending => _service.Queues.Sum(q => q.Pending);

    /// <summary>Starts serving <paramref name="models"/> (at least one) and returns once the port is bound.</summary>
    /// <exception cref="ArgumentException">No models, two with the same id, or a host that is not an IP address or <c>localhost</c>.</exception>
    public static async Task<QianruServer> StartAsync(IReadOnlyList<SentenceEmbedder> models, QianruServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(models);
        if (models.Count == 0)
        {
            throw new ArgumentException("Give at least one model to serve.", nameof(models));
        }

        options ??= new QianruServerOptions();
        var address = ParseHost(options.Host);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(QianruServer).Assembly.GetName().Name });
        builder.Configuration.Sources.Clear(); // no appsettings.json or ASPNETCORE_* can add endpoints or change limits
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.Listen(address, options.Port);
        });

        var metrics = new ServerMetrics();
        var service = new EmbeddingService(models, options, metrics);
        var app = builder.Build();
        Configure(app, service, metrics, options);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await service.CompleteAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new QianruServer(app, service, new Uri(bound.EndsWith('/') ? bound : bound + "/"));
    }

    /// <summary>Completes when the server has stopped (after <see cref="StopAsync"/>, or Ctrl+C / SIGTERM in a console).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    /// <summary>
    /// Stops accepting connections, answers the requests in flight (up to <see cref="QianruServerOptions.ShutdownTimeout"/>),
    /// then stops the batch queues.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        await _service.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>Stops the server (see <see cref="StopAsync"/>) and releases it; the models stay the caller's.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static IPAddress ParseHost(string host) => host switch
    {
        "localhost" => IPAddress.Loopback,
        "*" or "0.0.0.0" => IPAddress.Any,
        "::" or "[::]" => IPAddress.IPv6Any,
        _ => IPAddress.TryParse(host.Trim('[', ']'), out var ip)
            ? ip
            : throw new ArgumentException($"--host {host}: give an IP address (127.0.0.1, 0.0.0.0, ::1) or localhost.", nameof(host)),
    };

    private static void Configure(WebApplication app, EmbeddingService service, ServerMetrics metrics, QianruServerOptions options)
    {
        var key = options.ApiKey is { Length: > 0 } k ? SHA256.HashData(Encoding.UTF8.GetBytes(k)) : null;
        app.Use(async (context, next) =>
        {
            var watch = Stopwatch.StartNew();
            try
            {
                if (key is not null && !IsOpen(context.Request) && !Authorized(context.Request, key))
                {
                    throw ApiException.Unauthorized("Missing or wrong API key; send 'Authorization: Bearer <key>'.");
                }

                await next(context);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away; there is no one to answer.
            }
            catch (Exception e) when (!context.Response.HasStarted)
            {
                context.Response.Clear();
                await ErrorResponses.WriteAsync(context, ErrorResponses.Map(e), options.RetryAfterSeconds);
            }
            finally
            {
                var path = context.Request.Path.Value ?? "/";
                metrics.Request(KnownPaths.Contains(path) ? path : "other", context.Response.StatusCode, watch.Elapsed.TotalSeconds);
            }
        });

        var openai = new OpenAIEndpoints(service);
        var tei = new TeiEndpoints(service);
        app.MapPost("/v1/embeddings", openai.EmbeddingsAsync);
        app.MapGet("/v1/models", openai.ModelsAsync);
        app.MapPost("/embed", tei.EmbedAsync);
        app.MapPost("/similarity", tei.SimilarityAsync);
        app.MapPost("/tokenize", tei.TokenizeAsync);
        app.MapGet("/info", tei.InfoAsync);
        app.MapGet("/health", context => JsonResponse.WriteAsync(context, json =>
        {
            json.WriteStartObject();
            json.WriteString("status", "ok");
            json.WriteEndObject();
        }));
        app.MapGet("/metrics", async context =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await context.Response.WriteAsync(metrics.Render(), context.RequestAborted);
        });
        app.MapGet("/", async context =>
        {
            context.Response.ContentType = "text/html; charset=utf-8";
            await context.Response.Body.WriteAsync(Playground.Value, context.RequestAborted);
        });
        app.MapFallback(context => throw (KnownPaths.Contains(context.Request.Path.Value)
            ? ApiException.MethodNotAllowed($"{context.Request.Method} is not allowed on {context.Request.Path}.")
            : ApiException.NotFound($"No endpoint {context.Request.Method} {context.Request.Path}; see GET / for the playground and docs/server.md for the API.")));
    }

    private static bool IsOpen(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && (request.Path == "/" || request.Path == "/health");

    private static bool Authorized(HttpRequest request, byte[] keyHash)
    {
        var header = request.Headers.Authorization.ToString();
        const string Bearer = "Bearer ";
        if (!header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var given = SHA256.HashData(Encoding.UTF8.GetBytes(header[Bearer.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(given, keyHash);
    }

    private static readonly Lazy<byte[]> Playground = new(() =>
    {
        using var stream = typeof(QianruServer).Assembly.GetManifestResourceStream("Qianru.Server.Playground.index.html")!;
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    });
}
