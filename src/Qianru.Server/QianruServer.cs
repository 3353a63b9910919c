using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Qianru.Server.Endpoints;
using Qianru.Server.Http;
using Qianru.Server.Lifecycle;

namespace Qianru.Server;

/// <summary>
/// An embedding server that OpenAI and text-embeddings-inference clients can use unchanged: <c>POST /v1/embeddings</c>,
/// <c>GET /v1/models</c>, <c>POST /embed</c>, <c>/similarity</c>, <c>/tokenize</c>, <c>GET /info</c>, <c>/health</c>,
/// <c>/metrics</c> and a playground page at <c>GET /</c>, on Kestrel.
/// </summary>
/// <remarks>
/// <para>Requests to one model share a queue that gathers concurrent inputs into batches bounded by
/// <see cref="QianruServerOptions.MaxBatchTokens"/>; when <see cref="QianruServerOptions.MaxConcurrentRequests"/> requests are
/// already admitted, more are answered 429 with <c>Retry-After</c> at once; a request whose client goes away is dropped
/// from the queue. <c>GET /health</c> answers 503 while the models load and while the server drains:
/// <see cref="StopAsync"/> (or SIGTERM) refuses new requests with 503, answers those in flight, then closes the port.</para>
/// <para>The server does not own the models: dispose them after stopping it. Errors are answered in OpenAI's shape
/// (<c>{"error":{"message","type","param","code"}}</c>) and never carry stack traces or file paths.</para>
/// </remarks>
public sealed class QianruServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ServerState _state;
    private readonly Task _ready;
    private int _stopped;

    private QianruServer(WebApplication app, ServerState state, Task ready, Uri baseAddress)
    {
        _app = app;
        _state = state;
        _ready = ready;
        BaseAddress = baseAddress;
    }

    /// <summary>The address the server listens on, e.g. <c>http://127.0.0.1:8080/</c> (with the actual port when 0 was asked for).</summary>
    public Uri BaseAddress { get; }

    /// <summary>The ids of the models served, as clients name them in <c>model</c>; the first is the default. Empty until they are loaded.</summary>
    public IReadOnlyList<string> ModelIds => _state.LoadedService is { } service ? [.. service.Queues.Select(q => q.Embedder.Model.Id)] : [];

    /// <summary>Embedding and /tokenize requests admitted and not yet answered, over all models.</summary>
    internal int Pending => _state.LoadedService?.Queues.Sum(q => q.Pending) ?? 0;

    /// <summary>Starts serving <paramref name="models"/> (at least one) and returns once the port is bound and the server is ready.</summary>
    /// <exception cref="ArgumentException">No models, two with the same id, or a host that is not an IP address or <c>localhost</c>.</exception>
    public static async Task<QianruServer> StartAsync(IReadOnlyList<SentenceEmbedder> models, QianruServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(models);
        if (models.Count == 0)
        {
            throw new ArgumentException("Give at least one model to serve.", nameof(models));
        }

        var server = await StartAsync(Task.FromResult(models), options, cancellationToken).ConfigureAwait(false);
        try
        {
            await server.WhenReadyAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return server;
    }

    /// <summary>
    /// Binds the port at once and serves <paramref name="models"/> when they are loaded: until then <c>GET /health</c>
    /// answers 503 <c>{"status":"loading"}</c> and the API answers 503, so a load balancer waits for the replica.
    /// <see cref="WhenReadyAsync"/> completes when the models are in service, or fails with the loading error (then
    /// <c>/health</c> says <c>failed</c> until the server is stopped).
    /// </summary>
    /// <exception cref="ArgumentException">A host that is not an IP address or <c>localhost</c>.</exception>
    public static async Task<QianruServer> StartAsync(Task<IReadOnlyList<SentenceEmbedder>> models, QianruServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(models);
        options ??= new QianruServerOptions();
        var address = ParseHost(options.Host);
        var hosts = HostAllowList.For(address, options.AllowedHosts);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(QianruServer).Assembly.GetName().Name });
        builder.Configuration.Sources.Clear(); // no appsettings.json or ASPNETCORE_* can add endpoints or change limits
        builder.Logging.ClearProviders();
        if (options.LoggerFactory is null)
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            });
            builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        }

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.Listen(address, options.Port);
        });

        var state = new ServerState();
        var metrics = new ServerMetrics();
        ILogger? logger = null;
        builder.Services.AddHostedService(services =>
        {
            logger ??= Logger(services, options);
            return new DrainOnStop(state, options.DrainDelay, logger);
        });
        var app = builder.Build();
        logger ??= Logger(app.Services, options);
        Configure(app, state, metrics, new FrontDoor(state, metrics, options, hosts, logger));
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var ready = LoadAsync(models, state, options, metrics);
        return new QianruServer(app, state, ready, new Uri(bound.EndsWith('/') ? bound : bound + "/"));
    }

    /// <summary>Completes when the models are loaded and served; fails with the loading error if they could not be.</summary>
    public Task WhenReadyAsync(CancellationToken cancellationToken = default) => _ready.WaitAsync(cancellationToken);

    /// <summary>Completes when the server has stopped (after <see cref="StopAsync"/>, or Ctrl+C / SIGTERM in a console).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    /// <summary>
    /// Drains, then stops: <c>/health</c> answers 503 and new requests get 503 while the requests in flight are answered
    /// (and at least <see cref="QianruServerOptions.DrainDelay"/>, at most <see cref="QianruServerOptions.ShutdownTimeout"/>),
    /// then the port closes and the batch queues stop.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        _state.BeginDraining();
        await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_state.LoadedService is { } service)
        {
            await service.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Stops the server (see <see cref="StopAsync"/>) and releases it; the models stay the caller's.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task LoadAsync(Task<IReadOnlyList<SentenceEmbedder>> models, ServerState state, QianruServerOptions options, ServerMetrics metrics)
    {
        EmbeddingService service;
        try
        {
            var loaded = await models.ConfigureAwait(false);
            service = new EmbeddingService(loaded, options, metrics);
        }
        catch
        {
            state.SetFailed();
            throw;
        }

        if (!state.TrySetReady(service))
        {
            await service.CompleteAsync().ConfigureAwait(false);
        }
    }

    private static ILogger Logger(IServiceProvider services, QianruServerOptions options) =>
        (options.LoggerFactory ?? services.GetRequiredService<ILoggerFactory>()).CreateLogger("Qianru.Server");

    private static IPAddress ParseHost(string host) => host switch
    {
        "localhost" => IPAddress.Loopback,
        "*" or "0.0.0.0" => IPAddress.Any,
        "::" or "[::]" => IPAddress.IPv6Any,
        _ => IPAddress.TryParse(host.Trim('[', ']'), out var ip)
            ? ip
            : throw new ArgumentException($"--host {host}: give an IP address (127.0.0.1, 0.0.0.0, ::1) or localhost.", nameof(host)),
    };

    private static void Configure(WebApplication app, ServerState state, ServerMetrics metrics, FrontDoor frontDoor)
    {
        app.Use(frontDoor.InvokeAsync);
        var openai = new OpenAIEndpoints(state);
        var tei = new TeiEndpoints(state);
        app.MapPost("/v1/embeddings", openai.EmbeddingsAsync);
        app.MapGet("/v1/models", openai.ModelsAsync);
        app.MapPost("/embed", tei.EmbedAsync);
        app.MapPost("/similarity", tei.SimilarityAsync);
        app.MapPost("/tokenize", tei.TokenizeAsync);
        app.MapGet("/info", tei.InfoAsync);
        app.MapGet("/health", context =>
        {
            var phase = state.Phase;
            var task = JsonResponse.WriteAsync(context, json =>
            {
                json.WriteStartObject();
                json.WriteString("status", phase switch
                {
                    ServerPhase.Ready => "ok",
                    ServerPhase.Loading => "loading",
                    ServerPhase.Draining => "draining",
                    _ => "failed",
                });
                json.WriteEndObject();
            }, phase == ServerPhase.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
            return task;
        });
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
        app.MapFallback(context => throw (FrontDoor.IsKnownPath(context.Request.Path)
            ? ApiException.MethodNotAllowed($"{context.Request.Method} is not allowed on {context.Request.Path}.")
            : ApiException.NotFound($"No endpoint {context.Request.Method} {context.Request.Path}; see GET / for the playground and docs/server.md for the API.")));
    }

    private static readonly Lazy<byte[]> Playground = new(() =>
    {
        using var stream = typeof(QianruServer).Assembly.GetManifestResourceStream("Qianru.Server.Playground.index.html")!;
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    });
}
