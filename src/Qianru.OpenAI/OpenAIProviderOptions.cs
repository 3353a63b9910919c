namespace Qianru.Providers;

/// <summary>Where and how <see cref="OpenAIEmbeddings"/> calls an OpenAI-compatible embeddings endpoint.</summary>
public sealed class OpenAIProviderOptions
{
    /// <summary>The API's base address, ending in <c>/v1</c> (e.g. <c>http://127.0.0.1:8080/v1</c> for <c>qianru serve</c>). Default: OpenAI's.</summary>
    public Uri? BaseUrl { get; init; }

    /// <summary>The API key sent as <c>Authorization: Bearer</c>. Required for OpenAI itself; optional for a custom <see cref="BaseUrl"/>.</summary>
    public string? ApiKey { get; init; }

    /// <summary>The model name, e.g. <c>text-embedding-3-small</c> or <c>minilm</c>. Default <c>text-embedding-3-small</c>.</summary>
    public string Model { get; init; } = "text-embedding-3-small";

    /// <summary>Ask the service for this many dimensions (<c>dimensions</c>); <see langword="null"/> = the model's.</summary>
    public int? Dimensions
    {
        get;
        init => field = value is null or > 0 ? value : throw new ArgumentOutOfRangeException(nameof(Dimensions), value, "Dimensions must be at least 1.");
    }

    /// <summary>The most texts per HTTP request; longer lists are sent in several. Default 128.</summary>
    public int BatchSize
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(BatchSize), value, "BatchSize must be at least 1.");
    } = 128;

    /// <summary>
    /// Options from <c>OPENAI_API_KEY</c> and <c>OPENAI_BASE_URL</c>: the process environment first, then the
    /// <c>.env</c> file at <paramref name="dotEnvPath"/> (default: <c>.env</c> in the current directory), as python-dotenv
    /// without override.
    /// </summary>
    /// <exception cref="QianruException">OPENAI_BASE_URL is not an absolute http(s) address.</exception>
    public static OpenAIProviderOptions FromEnvironment(string? model = null, string? dotEnvPath = null, int? dimensions = null)
    {
        var file = DotEnv.Read(dotEnvPath ?? Path.Combine(Environment.CurrentDirectory, ".env"));
        string? Get(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : file.GetValueOrDefault(name);
        var baseUrl = Get("OPENAI_BASE_URL");
        Uri? uri = null;
        if (baseUrl is { Length: > 0 } && (!Uri.TryCreate(baseUrl, UriKind.Absolute, out uri) || uri.Scheme is not ("http" or "https")))
        {
            throw new QianruException($"OPENAI_BASE_URL {baseUrl}: give an absolute http(s) address such as http://127.0.0.1:8080/v1.");
        }

        return new OpenAIProviderOptions
        {
            BaseUrl = uri,
            ApiKey = Get("OPENAI_API_KEY"),
            Model = model ?? "text-embedding-3-small",
            Dimensions = dimensions,
        };
    }
}
