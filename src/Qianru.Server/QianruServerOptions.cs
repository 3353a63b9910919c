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

    /// <summary>The most tokens (special tokens included) one dynamic batch gathers from concurrent requests. Default 16384.</summary>
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

    /// <summary>The most embedding requests admitted at once per model (queued or running); more get 429 at once. Default 512.</summary>
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

    /// <summary>When set, every endpoint except <c>GET /health</c> and the playground page needs <c>Authorization: Bearer</c> this key.</summary>
    public string? ApiKey { get; init; }

    /// <summary>The largest request body in bytes; larger bodies get 413. Default 2 MiB (as text-embeddings-inference).</summary>
    public long MaxRequestBodyBytes
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxRequestBodyBytes), value, "MaxRequestBodyBytes must be at least 1.");
    } = 2 * 1024 * 1024;

    /// <summary>The seconds a client is told to wait (Retry-After) when the queue is full. Default 1.</summary>
    public int RetryAfterSeconds { get; init; } = 1;

    /// <summary>How long shutdown waits for requests in flight to finish. Default 30 seconds.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
