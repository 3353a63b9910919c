using System.Diagnostics;
using System.Text;
using Qianru.Cli.Infrastructure;

namespace Qianru.Cli.Tests.Support;

/// <summary>Runs <c>qianru</c> in-process with captured streams, or as a real child process.</summary>
public static class QianruCli
{
    public sealed record Result(int ExitCode, string Out, string Error, byte[] StdoutBytes);

    public static Result Run(params string[] args) => RunWithInput(null, args);

    public static Result RunWithInput(string? stdin, params string[] args) => RunIn(null, stdin, args);

    /// <summary>
    /// The Hugging Face settings every in-process run sees unless a test gives its own: an empty cache of this test
    /// run and an endpoint that refuses connections, so no test reads the user's cache or reaches the internet.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> HermeticHub { get; } = new Dictionary<string, string?>
    {
        ["HF_HUB_CACHE"] = Path.Combine(Path.GetTempPath(), "qianru-cli-tests", "hf-empty-" + Environment.ProcessId),
        ["HF_HOME"] = Path.Combine(Path.GetTempPath(), "qianru-cli-tests", "hf-home-" + Environment.ProcessId),
        ["HF_ENDPOINT"] = "http://127.0.0.1:9",
        ["HF_TOKEN"] = null,
        ["HUGGING_FACE_HUB_TOKEN"] = null,
        ["HUGGINGFACE_HUB_CACHE"] = null,
        ["HF_HUB_OFFLINE"] = null,
        ["TRANSFORMERS_OFFLINE"] = null,
    };

    public static Result RunIn(string? workingDirectory, string? stdin, params string[] args) => RunWith(null, workingDirectory, stdin, args);

    /// <summary>Runs with <paramref name="environment"/> over <see cref="HermeticHub"/> (a null value unsets a variable).</summary>
    public static Result RunWith(IReadOnlyDictionary<string, string?>? environment, string? workingDirectory, string? stdin, params string[] args) =>
        RunCore(environment, workingDirectory, Encoding.UTF8.GetBytes(stdin ?? ""), args);

    /// <summary>Runs in-process with <paramref name="stdin"/> as the raw bytes of standard input (e.g. invalid UTF-8).</summary>
    public static Result RunWithBytes(string? workingDirectory, byte[] stdin, params string[] args) => RunCore(null, workingDirectory, stdin, args);

    private static Result RunCore(IReadOnlyDictionary<string, string?>? environment, string? workingDirectory, byte[] stdin, string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var binary = new MemoryStream();
        var context = new CliContext
        {
            Out = output,
            Error = error,
            OpenIn = () => new StringReader(Encoding.UTF8.GetString(stdin)),
            OpenInStream = () => new MemoryStream(stdin, writable: false),
            OpenStdoutStream = () => new NonClosingStream(binary),
            ErrorIsTerminal = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
            GetEnvironmentVariable = name =>
                environment is not null && environment.TryGetValue(name, out var value) ? value
                : HermeticHub.TryGetValue(name, out var hermetic) ? hermetic
                : Environment.GetEnvironmentVariable(name),
        };
        var code = CliApp.Run(args, context);
        return new Result(code, output.ToString(), error.ToString(), binary.ToArray());
    }

    /// <summary>Runs the real executable (dotnet Qianru.Cli.dll) as a child process.</summary>
    public static Result RunProcess(string? stdin, params string[] args) => RunProcessWithEnvironment(new Dictionary<string, string?>(), stdin, args);

    /// <summary>Runs the real executable as a child process with <paramref name="environment"/> over <see cref="HermeticHub"/> (a null value removes a variable).</summary>
    public static Result RunProcessWithEnvironment(IReadOnlyDictionary<string, string?> environment, string? stdin, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        foreach (var (name, value) in HermeticHub)
        {
            start.Environment[name] = value;
        }

        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Qianru.Cli.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
        }

        process.StandardInput.Close();
        var stdoutTask = process.StandardOutput.ReadToEndAsync();
        var stderrTask = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("qianru did not finish in 120 s");
        }

        return new Result(process.ExitCode, stdoutTask.Result, stderrTask.Result, Encoding.UTF8.GetBytes(stdoutTask.Result));
    }

    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "qianru-cli-tests", Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);
    }
}
