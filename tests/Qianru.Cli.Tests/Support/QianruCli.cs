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

    public static Result RunIn(string? workingDirectory, string? stdin, params string[] args) =>
        RunWithBytes(workingDirectory, Encoding.UTF8.GetBytes(stdin ?? ""), args);

    /// <summary>Runs in-process with <paramref name="stdin"/> as the raw bytes of standard input (e.g. invalid UTF-8).</summary>
    public static Result RunWithBytes(string? workingDirectory, byte[] stdin, params string[] args)
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
        };
        var code = CliApp.Run(args, context);
        return new Result(code, output.ToString(), error.ToString(), binary.ToArray());
    }

    /// <summary>Runs the real executable (dotnet Qianru.Cli.dll) as a child process.</summary>
    public static Result RunProcess(string? stdin, params string[] args)
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
