using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace Qianru.TestSupport;

/// <summary>
/// A real PostgreSQL 18 + pgvector for tests: PGlite served on a free loopback port by tests/pglite/server.mjs (Node.js),
/// installed once from the committed lockfile with <c>npm ci</c> into tests/pglite/node_modules (git-ignored).
/// The server checks a password and stops when this object is disposed or the test process dies (its stdin closes).
/// </summary>
/// <remarks>PGlite is one single-user backend shared by all connections (the bridge runs one transaction at a time),
/// so URIs made here ask for one pooled connection per process (<c>max_pool_size=1</c>).</remarks>
public sealed class PgliteServer : IDisposable
{
    public const string Password = "pg-Secret-7f3a";

    private readonly Process _process;

    public PgliteServer()
    {
        var folder = Install();
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "server.mjs", "--port", "0", "--password", Password, "--max-connections", "16" })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var errors = new StringBuilder();
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        _process.BeginErrorReadLine();
        var line = _process.StandardOutput.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(120)) || line.Result is not { } listening || !listening.StartsWith("LISTENING ", StringComparison.Ordinal))
        {
            _process.Kill(entireProcessTree: true);
            lock (errors)
            {
                throw new InvalidOperationException($"the PGlite test server did not start: {errors}");
            }
        }

        Port = int.Parse(listening["LISTENING ".Length..], System.Globalization.CultureInfo.InvariantCulture);
        _process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
    }

    public int Port { get; }

    /// <summary>The collection URI with the password in it.</summary>
    public string Uri(string collection, string password = Password) =>
        $"postgres://postgres:{password}@127.0.0.1:{Port}/postgres?collection={collection}&max_pool_size=1";

    /// <summary>The collection URI without a password (for PGPASSWORD).</summary>
    public string UriWithoutPassword(string collection) =>
        $"postgres://postgres@127.0.0.1:{Port}/postgres?collection={collection}&max_pool_size=1";

    /// <summary>A fresh collection name.</summary>
    public static string NewCollection(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 48)];

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(10_000))
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    /// <summary>tests/pglite with its node_modules installed from the lockfile (once; a lock file keeps parallel test runs apart).</summary>
    private static string Install()
    {
        var folder = Path.Combine(RepositoryRoot(), "tests", "pglite");
        var lockFile = Path.Combine(folder, "package-lock.json");
        var stamp = Path.Combine(folder, "node_modules", ".qianru-installed");
        var wanted = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(lockFile)));
        if (File.Exists(stamp) && File.ReadAllText(stamp) == wanted)
        {
            return folder;
        }

        using var gate = AcquireInstallLock(Path.Combine(Path.GetTempPath(), "qianru-pglite-install.lock"));
        if (File.Exists(stamp) && File.ReadAllText(stamp) == wanted)
        {
            return folder;
        }

        var npm = new ProcessStartInfo("npm") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "ci", "--no-audit", "--no-fund", "--loglevel=error" })
        {
            npm.ArgumentList.Add(arg);
        }

        using var process = Process.Start(npm) ?? throw new InvalidOperationException("npm did not start (Node.js and npm are needed for the PostgreSQL tests)");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(600_000) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm ci in {folder} failed: {output.Result} {error.Result}");
        }

        File.WriteAllText(stamp, wanted);
        return folder;
    }

    private static FileStream AcquireInstallLock(string path)
    {
        var deadline = DateTime.UtcNow.AddMinutes(10);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(200);
            }
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Qianru.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("the repository root (Qianru.slnx) was not found above " + AppContext.BaseDirectory);
    }
}
