namespace Qianru.Server;

/// <summary>How <see cref="QianruServer"/> listens, batches and guards itself. Defaults follow text-embeddings-inference where it has one.</summary>
public sealed class QianruServerOptions
{
    /// <summary>The address to bind. Default <c>127.0.0.1</c> (loopback only); <c>0.0.0.0</c> or <c>*</c> listens on every interface.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The TCP port; 0 picks a free one (see <see cref="QianruServer.BaseAddress"/>). Default 8080.</summary>
    public int Port
    {
        get;
        init => field = value is >= 0 and <= 65535 ? value : throw new ArgumentOutOfRangeException(nameof(Port), value, "Port must be 0 to 65535.");
    } = 8080;

    /// <summary>
    /// The most tokens one model call holds, padding included (sequences × the longest one); it also bounds the oldest
    /// waiting tokens the queue looks through when it builds a batch. A single longer sequence still runs, alone. Default 16384.
    /// </summary>
    public int MaxBatchTokens
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxBatchTokens), value, "MaxBatchTokens must be at least 1.");
    } = 16384;

    /// <summary>
    /// The most sequences per model call inside a dynamic batch (sorted by length first). Default 8: on CPU, small
    /// length-sorted calls waste less on padding than large ones, and a dynamic batch mixes lengths from many requests.
    /// </summary>
    public int ModelBatchSize
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(ModelBatchSize), value, "ModelBatchSize must be at least 1.");
    } = 8;

    /// <summary>The most embedding and <c>/tokenize</c> requests admitted at once per model (queued or running); more get 429 at once. Default 512.</summary>
    public int MaxConcurrentRequests
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxConcurrentRequests), value, "MaxConcurrentRequests must be at least 1.");
    } = 512;

    /// <summary>The most inputs in one request; more get 413. Default 256.</summary>
    public int MaxClientBatchSize
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxClientBatchSize), value, "MaxClientBatchSize must be at least 1.");
    } = 256;

    /// <summary>
    /// Truncate inputs longer than the model's maximum sequence length instead of answering 413. Default
    /// <see langword="false"/>, as OpenAI and text-embeddings-inference: a client learns its text was cut rather than
    /// getting a vector of part of it. TEI's <c>truncate: true</c> asks for truncation per request.
    /// </summary>
    public bool AutoTruncate { get; init; }

    /// <summary>
    /// When set, every endpoint except <c>GET /health</c> and the playground page needs <c>Authorization: Bearer</c> this
    /// key. <see langword="null"/> (the default) serves everyone; an empty key, or one with spaces at either end, is refused
    /// (it usually comes from an unset variable, and would otherwise look like protection while serving everyone).
    /// </summary>
    /// <exception cref="ArgumentException">The key is empty or starts or ends with whitespace.</exception>
    public string? ApiKey
    {
        get;
        init => field = value is null || (value.Length > 0 && value.Trim().Length == value.Length)
            ? value
            : throw new ArgumentException(value.Length == 0
                ? "The API key is empty; give a key, or none at all to serve without one."
                : "The API key starts or ends with whitespace, which a client's 'Authorization: Bearer' header cannot carry.", nameof(ApiKey));
    }

    /// <summary>
    /// The host names (the <c>Host</c> header without its port) the server answers to; others get 400, so that a web
    /// page cannot reach a local server through DNS rebinding. Entries are names (<c>embed.example.com</c>), IP
    /// addresses (<c>10.0.0.5</c>, <c>[::1]</c>), <c>*.example.com</c> (any subdomain) or <c>*</c> (any host).
    /// <see langword="null"/> (the default): the localhost names (<c>localhost</c>, <c>*.localhost</c>, <c>127.0.0.1</c>,
    /// <c>[::1]</c>) and the bound address when <see cref="Host"/> is a loopback address, any host otherwise.
    /// <c>GET /health</c> answers every host, for load balancers' probes.
    /// </summary>
    /// <exception cref="ArgumentException">An entry is empty or not a host name, an IP address or a pattern as above.</exception>
    public IReadOnlyList<string>? AllowedHosts
    {
        get;
        init => field = value is null ? null : [.. value.Select(Http.HostAllowList.Normalize)];
    }

    /// <summary>
    /// How long stopping (SIGTERM, Ctrl+C, <see cref="QianruServer.StopAsync"/>) keeps the port open at least: while the
    /// server drains, <c>GET /health</c> answers 503 and new requests get 503 with <c>Connection: close</c> (a load
    /// balancer retries them on another replica), while the requests in flight are answered. Draining lasts until they
    /// are all answered and this delay has passed, at most <see cref="ShutdownTimeout"/>. Default zero: an idle server
    /// stops at once. Behind a load balancer that probes <c>/health</c>, set it to the probe interval or more.
    /// </summary>
    public TimeSpan DrainDelay
    {
        get;
        init => field = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(DrainDelay), value, "DrainDelay must be zero or more.");
    }

    /// <summary>
    /// Where the server logs its 5xx responses (each with its request id) and warnings. Default (<see langword="null"/>):
    /// one line per event on standard error. The factory stays the caller's to dispose.
    /// </summary>
    public Microsoft.Extensions.Logging.ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The largest request body in bytes; larger bodies get 413. Default 2 MiB (as text-embeddings-inference).</summary>
    public long MaxRequestBodyBytes
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxRequestBodyBytes), value, "MaxRequestBodyBytes must be at least 1.");
    } = 2 * 1024 * 1024;

    /// <summary>The seconds a client is told to wait (Retry-After) when the queue is full. Default 1.</summary>
    public int RetryAfterSeconds { get; init; } = 1;

    /// <summary>How long shutdown (draining included) waits for requests in flight to finish. Default 30 seconds.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
