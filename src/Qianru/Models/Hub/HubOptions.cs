namespace Qianru.Models.Hub;

/// <summary>
/// Where Hugging Face models are cached and fetched from, read from the same environment variables as Python's
/// huggingface_hub, so Qianru and Python tools share one cache.
/// </summary>
/// <remarks>
/// <para>Cache folder: <c>$HF_HUB_CACHE</c>, else <c>$HUGGINGFACE_HUB_CACHE</c>, else <c>$HF_HOME/hub</c>, else
/// <c>$XDG_CACHE_HOME/huggingface/hub</c>, else <c>~/.cache/huggingface/hub</c>
/// (huggingface_hub <c>constants.py</c>).</para>
/// <para>Endpoint: <c>$HF_ENDPOINT</c> (e.g. a mirror), else <c>https://huggingface.co</c>. Token: <c>$HF_TOKEN</c>,
/// else <c>$HUGGING_FACE_HUB_TOKEN</c>, else the file <c>huggingface-cli login</c> writes (<c>$HF_TOKEN_PATH</c>, else
/// <c>$HF_HOME/token</c>). Offline: <c>$HF_HUB_OFFLINE</c> or <c>$TRANSFORMERS_OFFLINE</c> set to 1, ON, YES or TRUE.</para>
/// </remarks>
public sealed class HubOptions
{
    /// <summary>The Hub that <c>HF_ENDPOINT</c> defaults to.</summary>
    public static Uri DefaultEndpoint { get; } = new("https://huggingface.co");

    /// <summary>The base URL of the Hub's HTTP API (no trailing slash needed). Default <see cref="DefaultEndpoint"/>.</summary>
    public Uri Endpoint
    {
        get;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            if (!value.IsAbsoluteUri || (value.Scheme != Uri.UriSchemeHttp && value.Scheme != Uri.UriSchemeHttps))
            {
                throw new ArgumentException($"HF_ENDPOINT {value}: not an http:// or https:// URL.", nameof(value));
            }

            field = value;
        }
    } = DefaultEndpoint;

    /// <summary>The huggingface_hub cache folder (the one holding <c>models--ORG--NAME</c> folders).</summary>
    public required string CacheFolder { get; init; }

    /// <summary>A Hugging Face access token sent as <c>Authorization: Bearer</c> to <see cref="Endpoint"/>'s host only; null for none.</summary>
    public string? Token { get; init; }

    /// <summary>When true nothing is downloaded: a model that is not cached is an error that says how to get it.</summary>
    public bool Offline { get; init; }

    /// <summary>Reads the options from the process environment.</summary>
    public static HubOptions FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    /// <summary>Reads the options through <paramref name="variable"/> (an environment lookup), as huggingface_hub does.</summary>
    public static HubOptions FromEnvironment(Func<string, string?> variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        string? Get(string name) => variable(name) is { Length: > 0 } v ? v : null;

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string Expand(string path) =>
            path == "~" ? home
            : path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal) ? Path.Combine(home, path[2..])
            : path;

        var hfHome = Expand(Get("HF_HOME") ?? Path.Combine(Get("XDG_CACHE_HOME") ?? Path.Combine(home, ".cache"), "huggingface"));
        var cache = Expand(Get("HF_HUB_CACHE") ?? Get("HUGGINGFACE_HUB_CACHE") ?? Path.Combine(hfHome, "hub"));

        var endpointText = (Get("HF_ENDPOINT") ?? DefaultEndpoint.OriginalString).TrimEnd('/');
        if (!Uri.TryCreate(endpointText, UriKind.Absolute, out var endpoint) || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            throw new QianruException($"HF_ENDPOINT {endpointText}: not an http:// or https:// URL (e.g. https://huggingface.co or a mirror such as https://hf-mirror.com).");
        }

        var token = Get("HF_TOKEN") ?? Get("HUGGING_FACE_HUB_TOKEN");
        if (token is null)
        {
            var tokenFile = Expand(Get("HF_TOKEN_PATH") ?? Path.Combine(hfHome, "token"));
            try
            {
                token = File.Exists(tokenFile) ? File.ReadAllText(tokenFile).Trim() is { Length: > 0 } t ? t : null : null;
            }
            catch (IOException)
            {
                token = null;
            }
            catch (UnauthorizedAccessException)
            {
                token = null;
            }
        }

        return new HubOptions
        {
            CacheFolder = Path.GetFullPath(cache),
            Endpoint = endpoint,
            Token = token?.Trim(),
            Offline = IsTrue(Get("HF_HUB_OFFLINE")) || IsTrue(Get("TRANSFORMERS_OFFLINE")),
        };
    }

    private static bool IsTrue(string? value) =>
        value?.Trim().ToUpperInvariant() is "1" or "ON" or "YES" or "TRUE";
}
