namespace Qianru.Cli.Infrastructure;

/// <summary>The streams a command reads and writes, so tests can run commands in-process.</summary>
internal sealed class CliContext
{
    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    public required Func<TextReader> OpenIn { get; init; }

    /// <summary>
    /// Opens standard input as bytes, so text readers can decode it strictly (invalid UTF-8 is refused, not replaced).
    /// Default: the text of <see cref="OpenIn"/> encoded as UTF-8.
    /// </summary>
    public Func<Stream>? OpenInStream { get; init; }

    /// <summary>Opens standard output as a byte stream (for binary formats such as .npy written to "-").</summary>
    public required Func<Stream> OpenStdoutStream { get; init; }

    /// <summary>True when standard error is a terminal: progress bars are drawn only then.</summary>
    public bool ErrorIsTerminal { get; init; }

    /// <summary>The working directory relative paths are resolved against.</summary>
    public string WorkingDirectory { get; init; } = Environment.CurrentDirectory;

    /// <summary>Reads an environment variable: the Hugging Face settings (HF_HUB_CACHE, HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE) come through here, so tests can give their own.</summary>
    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    public static CliContext FromConsole() => new()
    {
        Out = Console.Out,
        Error = Console.Error,
        OpenIn = () => Console.In,
        OpenInStream = Console.OpenStandardInput,
        OpenStdoutStream = Console.OpenStandardOutput,
        ErrorIsTerminal = !Console.IsErrorRedirected,
    };

    public string ResolvePath(string path) => Path.GetFullPath(path, WorkingDirectory);

    /// <summary>Standard input as bytes (see <see cref="OpenInStream"/>).</summary>
    public Stream OpenStdin() =>
        OpenInStream is { } open ? open() : new MemoryStream(System.Text.Encoding.UTF8.GetBytes(OpenIn().ReadToEnd()));

    /// <summary>The Hugging Face cache, endpoint, token and offline switch, from <see cref="GetEnvironmentVariable"/>.</summary>
    public Qianru.Models.Hub.HubOptions HubOptions() => Qianru.Models.Hub.HubOptions.FromEnvironment(GetEnvironmentVariable);
}
