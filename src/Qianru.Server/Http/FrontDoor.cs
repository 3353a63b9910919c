using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using Qianru.Server.Lifecycle;

namespace Qianru.Server.Http;

/// <summary>
/// What every request passes before an endpoint sees it, in this order: a request id (echoed in
/// <c>X-Request-Id</c>), the <c>Host</c> check, the API key, readiness (503 while loading or draining), the
/// <c>application/json</c> check on POST routes. Then it maps what the endpoint threw to a status and an
/// OpenAI-shaped body (<see cref="ErrorResponses"/>), logs every 5xx with its request id, and counts the request in
/// <c>/metrics</c>.
/// </summary>
internal sealed class FrontDoor
{
    private static readonly string[] KnownPaths = ["/", "/v1/embeddings", "/v1/models", "/embed", "/similarity", "/tokenize", "/info", "/health", "/metrics"];
    private static readonly string[] PostPaths = ["/v1/embeddings", "/embed", "/similarity", "/tokenize"];

    private readonly ServerState _state;
    private readonly ServerMetrics _metrics;
    private readonly QianruServerOptions _options;
    private readonly HostAllowList _hosts;
    private readonly byte[]? _keyHash;
    private readonly ILogger _logger;

    public FrontDoor(ServerState state, ServerMetrics metrics, QianruServerOptions options, HostAllowList hosts, ILogger logger)
    {
        _state = state;
        _metrics = metrics;
        _options = options;
        _hosts = hosts;
        _logger = logger;
        _keyHash = options.ApiKey is { } key ? SHA256.HashData(Encoding.UTF8.GetBytes(key)) : null;
    }

    public static bool IsKnownPath(PathString path) => KnownPaths.Contains(path.Value);

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var watch = Stopwatch.StartNew();
        var request = context.Request;
        var id = RequestId(context);
        context.TraceIdentifier = id;
        context.Response.Headers["X-Request-Id"] = id;
        Exception? failure = null;
        try
        {
            if (!_hosts.Allows(request.Host) && !IsHealth(request))
            {
                throw ApiException.BadRequest(
                    $"Host '{request.Host.Host}' is not a name this server answers to (it answers to: {_hosts.Description}); start it with --allowed-hosts to add one.",
                    code: "host_not_allowed");
            }

            if (_keyHash is not null && !IsOpen(request) && !Authorized(request, _keyHash))
            {
                throw ApiException.Unauthorized("Missing or wrong API key; send 'Authorization: Bearer <key>'.");
            }

            if (IsStatus(request) || !IsKnownPath(request.Path))
            {
                await next(context);
                return;
            }

            _state.Enter();
            try
            {
                switch (_state.Phase)
                {
                    case ServerPhase.Loading:
                        throw ApiException.Unavailable("The server is loading its models; retry in a moment.", "loading");
                    case ServerPhase.Failed:
                        throw ApiException.Unavailable("The server failed to load its models.", "load_failed");
                    case ServerPhase.Draining:
                        context.Response.Headers.Connection = "close";
                        throw ApiException.Unavailable("The server is shutting down.");
                }

                if (HttpMethods.IsPost(request.Method) && PostPaths.Contains(request.Path.Value) && !IsJson(request.ContentType))
                {
                    throw ApiException.UnsupportedMediaType(
                        request.ContentType is { Length: > 0 } type
                            ? $"Content-Type '{type}' is not accepted; send the body as JSON with 'Content-Type: application/json'."
                            : "The request has no Content-Type; send the body as JSON with 'Content-Type: application/json'.");
                }

                await next(context);
            }
            finally
            {
                _state.Leave();
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            failure = e;
            context.Response.Clear();
            context.Response.Headers["X-Request-Id"] = id;
            if (_state.Phase == ServerPhase.Draining)
            {
                context.Response.Headers.Connection = "close";
            }

            await ErrorResponses.WriteAsync(context, ErrorResponses.Map(e), _options.RetryAfterSeconds, id);
        }
        finally
        {
            var status = context.Response.StatusCode;
            if (status >= 500)
            {
                Log(context, status, failure);
            }

            _metrics.Request(IsKnownPath(request.Path) ? request.Path.Value! : "other", status, watch.Elapsed.TotalSeconds);
        }
    }

    private void Log(HttpContext context, int status, Exception? failure)
    {
        var request = context.Request;
        if (failure is null or ApiException)
        {
            _logger.LogWarning("Request {RequestId} {Method} {Path} answered {Status}: {Message}", context.TraceIdentifier, request.Method, request.Path.Value, status, failure?.Message ?? "-");
        }
        else
        {
            _logger.LogError(failure, "Request {RequestId} {Method} {Path} answered {Status}: {Type}: {Message}", context.TraceIdentifier, request.Method, request.Path.Value, status, failure.GetType().Name, failure.Message);
        }
    }

    /// <summary>The id a proxy or client sent in <c>X-Request-Id</c> when it is short and plain, else Kestrel's connection and request number.</summary>
    private static string RequestId(HttpContext context)
    {
        var given = context.Request.Headers["X-Request-Id"].ToString();
        return given.Length is > 0 and <= 64 && given.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':')
            ? given
            : context.TraceIdentifier;
    }

    /// <summary><c>application/json</c>, with no charset or UTF-8 (JSON is UTF-8, RFC 8259).</summary>
    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var type)
        && type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
        && (type.Charset.Length == 0 || type.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || type.Charset.Equals("utf8", StringComparison.OrdinalIgnoreCase));

    private static bool IsHealth(HttpRequest request) => HttpMethods.IsGet(request.Method) && request.Path == "/health";

    /// <summary>The endpoints that answer whatever the phase: health, metrics and the playground page.</summary>
    private static bool IsStatus(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && (request.Path == "/health" || request.Path == "/metrics" || request.Path == "/");

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
}
