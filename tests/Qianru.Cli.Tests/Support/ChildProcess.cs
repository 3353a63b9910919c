using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Qianru.Cli.Tests.Support;

/// <summary>A real <c>qianru</c> child process that tests can signal (SIGINT, SIGKILL) and watch (CPU time).</summary>
public sealed partial class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stderr;
    private readonly Task<string> _stdout;

    private ChildProcess(Process process)
    {
        _process = process;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <c>dotnet Qianru.Cli.dll ARGS</c> in <paramref name="workingDirectory"/>.</summary>
    public static ChildProcess Start(string workingDirectory, params string[] args)
    {
        var process = Process.Start(QianruCli.StartInfo(workingDirectory, null, args))!;
        process.StandardInput.Close();
        return new ChildProcess(process);
    }

    /// <summary>User plus system CPU seconds the process has used (from /proc), or 0 once it is gone.</summary>
    public double CpuSeconds()
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{Id}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return ticks / 100.0; // USER_HZ is 100 on Linux
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Waits until the process has used <paramref name="seconds"/> of CPU (it is busy with the real work); false if it ended first.</summary>
    public bool WaitForCpu(double seconds, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                return false;
            }

            if (CpuSeconds() >= seconds)
            {
                return true;
            }

            Thread.Sleep(50);
        }

        return !_process.HasExited;
    }

    public void Signal(int signal)
    {
        if (Kill(Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({Id}, {signal}) failed");
        }
    }

    /// <summary>Waits for the exit; returns the exit code and how long it took, or null after <paramref name="timeout"/>.</summary>
    public (int ExitCode, TimeSpan Took, string Out, string Error)? WaitForExit(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        if (!_process.WaitForExit(timeout))
        {
            return null;
        }

        var took = clock.Elapsed;
        _process.WaitForExit();
        return (_process.ExitCode, took, _stdout.Result, _stderr.Result);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    public const int SigInt = 2;
    public const int SigKill = 9;

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
