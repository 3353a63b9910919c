using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Qianru.TestSupport;

/// <summary>
/// Makes a file or folder read-only for the test process until disposed: write permission removed, and, when the
/// tests run as root (who ignores permissions), the immutable attribute set with chattr +i.
/// </summary>
public sealed partial class ReadOnlyPath : IDisposable
{
    private readonly string _path;
    private readonly UnixFileMode _mode;
    private readonly bool _immutable;

    public ReadOnlyPath(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("read-only collections are tested on Unix file permissions");
        }

        _path = path;
        _mode = File.GetUnixFileMode(path);
        File.SetUnixFileMode(path, _mode & ~(UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite));
        if (geteuid() == 0)
        {
            Chattr("+i");
            _immutable = true;
        }
    }

    public void Dispose()
    {
        if (_immutable)
        {
            Chattr("-i");
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_path, _mode);
        }
    }

    private void Chattr(string flag)
    {
        var start = new ProcessStartInfo("chattr") { RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(flag);
        start.ArgumentList.Add(_path);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"chattr {flag} {_path} failed ({error.Trim()}): root needs a file system with the immutable attribute (ext4, xfs, btrfs) to test read-only collections");
        }
    }

    [LibraryImport("libc")]
    private static partial uint geteuid();
}
