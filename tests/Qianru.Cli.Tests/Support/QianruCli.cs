using System.Diagnostics;
using System.Text;
using Qianru.Cli.Infrastructure;

namespace Qianru.Cli.Tests.Support;

/// <summary>
/// The one way tests run <c>qianru</c>: in-process with captured streams, or as a real child process; both see the
/// same <see cref="HermeticHub"/> environment.
/// </summary>
public static class QianruCli
{
    /// <summary>
    /// A finished run: <paramref name="Out"/> is all of standard output as text, whether the command wrote it through
    /// the text writer or the byte stream (as one stdout, like a real process); <paramref name="StdoutBytes"/> are its bytes.
    /// </summary>
    public sealed record Result(int ExitCode, string Out, string Error, byte[] StdoutBytes)
    {
        /// <summary>(exit code, standard output, standard error).</summary>
        public void Deconstruct(out int exitCode, out string output, out string error)
        {
            exitCode = ExitCode;
            output = Out;
            error = Error;
        }
    }

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
        // One standard output, as in a real process: the text writer and the byte stream write to the same bytes.
        var stdout = new MemoryStream();
        using var output = new StreamWriter(new NonClosingStream(stdout), new UTF8Encoding(false)) { AutoFlush = true };
        var error = new StringWriter();
        var context = new CliContext
        {
            Out = output,
            Error = error,
            OpenIn = () => new StringReader(Encoding.UTF8.GetString(stdin)),
            OpenInStream = () => new MemoryStream(stdin, writable: false),
            OpenStdoutStream = () => new NonClosingStream(stdout),
            ErrorIsTerminal = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
            GetEnvironmentVariable = name =>
                environment is not null && environment.TryGetValue(name, out var value) ? value
                : HermeticHub.TryGetValue(name, out var hermetic) ? hermetic
                : Environment.GetEnvironmentVariable(name),
        };
        var code = CliApp.Run(args, context);
        output.Flush();
        var bytes = stdout.ToArray();
        return new Result(code, Encoding.UTF8.GetString(bytes), error.ToString(), bytes);
    }

    /// <summary>Runs the real executable (dotnet Qianru.Cli.dll) as a child process.</summary>
    public static Result RunProcess(string? stdin, params string[] args) => RunProcessWithEnvironment(new Dictionary<string, string?>(), stdin, args);

    /// <summary>Runs the real executable as a child process with <paramref name="environment"/> over <see cref="HermeticHub"/> (a null value removes a variable).</summary>
    public static Result RunProcessWithEnvironment(IReadOnlyDictionary<string, string?> environment, string? stdin, params string[] args) =>
        RunProcess(StartInfo(null, environment, args), stdin, TimeSpan.FromSeconds(120));

    /// <summary>
    /// The start of <c>dotnet Qianru.Cli.dll ARGS</c> with its standard streams redirected (UTF-8), in
    /// <paramref name="workingDirectory"/> (null: this process's), with <paramref name="environment"/> over
    /// <see cref="HermeticHub"/> (a null value removes a variable). Every child <c>qianru</c> of the tests starts here.
    /// </summary>
    public static ProcessStartInfo StartInfo(string? workingDirectory, IReadOnlyDictionary<string, string?>? environment, IEnumerable<string> args)
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
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        foreach (var (name, value) in environment is null ? HermeticHub : HermeticHub.Concat(environment))
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

        return start;
    }

    /// <summary>Runs <paramref name="start"/> (from <see cref="StartInfo"/>) to its end, failing after <paramref name="timeout"/>.</summary>
    public static Result RunProcess(ProcessStartInfo start, string? stdin, TimeSpan timeout)
    {
        using var process = Process.Start(start)!;
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
        }

        process.StandardInput.Close();
        var stdoutTask = process.StandardOutput.ReadToEndAsync();
        var stderrTask = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"qianru did not finish in {timeout.TotalSeconds:0} s");
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
