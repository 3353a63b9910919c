using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Qianru.Cli.Tests.Support;

/// <summary>
/// Real <c>qianru serve</c> processes and a real nginx in front of them, on loopback ports, for the replica test and
/// the replica benchmark (bench/Qianru.Bench links this file). nginx runs in the foreground as a child, with the
/// repository's deploy/nginx/qianru.conf (ports rewritten) inside a minimal main configuration in a temporary folder.
/// </summary>
internal static partial class ReplicaSet
{
    /// <summary>The nginx binary (Debian's package puts it in /usr/sbin), or null when there is none.</summary>
    public static string? FindNginx()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return new[] { "/usr/sbin", "/usr/local/sbin", "/usr/local/nginx/sbin" }.Concat(path.Split(':'))
            .Select(dir => Path.Combine(dir, "nginx"))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>Starts <c>dotnet Qianru.Cli.dll serve --port 0 …</c> and returns once it prints that it serves.</summary>
    public static async Task<Replica> StartReplicaAsync(string cliDll, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(cliDll);
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add("0");
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        var process = Process.Start(start)!;
        var replica = new Replica(process);
        var serving = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                serving.TrySetException(new InvalidOperationException($"qianru serve exited before serving: {replica.Log}"));
                return;
            }

            replica.Append(e.Data);
            if (ServingLine().Match(e.Data) is { Success: true } m)
            {
                serving.TrySetResult(new Uri(m.Groups[1].Value));
            }
        };
        process.OutputDataReceived += (_, e) => replica.Append(e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            replica.BaseAddress = await serving.Task.WaitAsync(timeout);
        }
        catch
        {
            replica.Kill();
            throw;
        }

        return replica;
    }

    /// <summary>
    /// Starts nginx in the foreground with deploy/nginx/qianru.conf listening on <paramref name="port"/> and its upstream
    /// pointing at <paramref name="replicaPorts"/>; the access log records every upstream attempt and its status.
    /// </summary>
    public static async Task<Nginx> StartNginxAsync(string nginx, string deployConfig, int port, IReadOnlyList<int> replicaPorts, TimeSpan timeout)
    {
        var dir = Path.Combine(Path.GetTempPath(), "qianru-nginx-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "qianru.conf"), Rewrite(File.ReadAllText(deployConfig), port, replicaPorts));
        var root = Environment.UserName == "root";
        File.WriteAllText(Path.Combine(dir, "nginx.conf"), $$"""
            daemon off;
            master_process on;
            worker_processes 1;
            {{(root ? "user root;" : "")}}
            pid {{dir}}/nginx.pid;
            error_log {{dir}}/error.log warn;
            events { worker_connections 1024; }
            http {
                log_format upstreams '$msec $request_time $status "$upstream_addr" "$upstream_status"';
                access_log {{dir}}/access.log upstreams;
                client_body_temp_path {{dir}}/client_body;
                proxy_temp_path {{dir}}/proxy;
                fastcgi_temp_path {{dir}}/fastcgi;
                uwsgi_temp_path {{dir}}/uwsgi;
                scgi_temp_path {{dir}}/scgi;
                include {{dir}}/qianru.conf;
            }
            """);
        var start = new ProcessStartInfo(nginx)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-p", dir, "-c", Path.Combine(dir, "nginx.conf"), "-e", Path.Combine(dir, "error.log") })
        {
            start.ArgumentList.Add(a);
        }

        var process = Process.Start(start)!;
        var result = new Nginx(process, dir, new Uri($"http://127.0.0.1:{port}/"));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + timeout;
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"nginx exited with {process.ExitCode}: {result.ErrorLog}");
            }

            try
            {
                using var response = await probe.GetAsync(new Uri(result.BaseAddress, "health"));
                if (response.IsSuccessStatusCode)
                {
                    return result;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                result.Dispose();
                throw new TimeoutException($"nginx did not answer /health in {timeout}: {result.ErrorLog}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>A free loopback TCP port (free when asked; nginx cannot report a port it picked itself).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The deploy configuration with its listen port and its upstream servers' ports replaced.</summary>
    public static string Rewrite(string config, int port, IReadOnlyList<int> replicaPorts)
    {
        var servers = UpstreamServer().Matches(config);
        if (servers.Count == 0 || !ListenLine().IsMatch(config))
        {
            throw new InvalidDataException("deploy/nginx/qianru.conf has no 'server 127.0.0.1:PORT' upstream lines or no 'listen 127.0.0.1:PORT;'.");
        }

        var lines = string.Join('\n', replicaPorts.Select(p => servers[0].Value.Replace(servers[0].Groups[1].Value, p.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)));
        var text = config[..servers[0].Index] + lines + config[(servers[^1].Index + servers[^1].Length)..];
        return ListenLine().Replace(text, $"listen 127.0.0.1:{port};");
    }

    /// <summary>Sends SIGTERM, as a process manager (systemd, Kubernetes) stops a replica.</summary>
    public static void Terminate(Process process)
    {
        if (Kill(process.Id, 15) != 0)
        {
            throw new InvalidOperationException($"kill -TERM {process.Id} failed (errno {Marshal.GetLastPInvokeError()}).");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [GeneratedRegex(@"qianru: serving .* at (http://\S+/) ")]
    private static partial Regex ServingLine();

    [GeneratedRegex(@"^[ \t]*server 127\.0\.0\.1:(\d+)[^\n]*;", RegexOptions.Multiline)]
    private static partial Regex UpstreamServer();

    [GeneratedRegex(@"listen 127\.0\.0\.1:\d+;")]
    private static partial Regex ListenLine();

    /// <summary>One <c>qianru serve</c> process and what it printed.</summary>
    internal sealed class Replica(Process process) : IDisposable
    {
        private readonly StringBuilder _log = new();

        public Process Process { get; } = process;

        public Uri BaseAddress { get; set; } = null!;

        public int Port => BaseAddress.Port;

        public string Log
        {
            get
            {
                lock (_log)
                {
                    return _log.ToString();
                }
            }
        }

        public void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_log)
            {
                _log.AppendLine(line);
            }
        }

        public void Kill()
        {
            try
            {
                Process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
        }

        public void Dispose()
        {
            Kill();
            Process.WaitForExit(10_000);
            Process.Dispose();
        }
    }

    /// <summary>An nginx master process in the foreground, its folder and its logs.</summary>
    internal sealed class Nginx(Process process, string directory, Uri baseAddress) : IDisposable
    {
        public Process Process { get; } = process;

        public string Directory { get; } = directory;

        public Uri BaseAddress { get; } = baseAddress;

        public string ErrorLog => File.Exists(Path.Combine(Directory, "error.log")) ? File.ReadAllText(Path.Combine(Directory, "error.log")) : "";

        /// <summary>The access log's lines: <c>msec request_time status "upstream_addr" "upstream_status"</c>.</summary>
        public string[] AccessLog => File.Exists(Path.Combine(Directory, "access.log")) ? File.ReadAllLines(Path.Combine(Directory, "access.log")) : [];

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                // SIGQUIT: graceful stop of the master and its workers.
                Kill(Process.Id, 3);
                if (!Process.WaitForExit(10_000))
                {
                    Process.Kill(entireProcessTree: true);
                    Process.WaitForExit(10_000);
                }
            }

            Process.Dispose();
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
