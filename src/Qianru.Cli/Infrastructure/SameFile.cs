using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Qianru.Cli.Infrastructure;

/// <summary>
/// Whether two paths name the same file, however spelt: relative or absolute, through symbolic links, or (on Linux)
/// as hard links of one inode. Used to refuse writing a command's output over its own input.
/// </summary>
internal static partial class SameFile
{
    /// <summary>
    /// Throws a usage error when <paramref name="output"/> is one of the <paramref name="inputs"/> (option name and
    /// path as given; null or "-" entries are skipped), before anything is written.
    /// </summary>
    public static void RefuseOverwrite(CliContext context, string outputOption, string? output, params (string Option, string? Path)[] inputs)
    {
        if (output is null or "-")
        {
            return;
        }

        foreach (var (option, input) in inputs)
        {
            if (input is not null and not "-" && Same(context.ResolvePath(input), context.ResolvePath(output)))
            {
                throw new CliUsageException($"{outputOption} {output}: is the same file as {option} {input}; writing it would destroy the input. Write to another file.");
            }
        }
    }

    /// <summary>True when both paths exist and are the same file.</summary>
    public static bool Same(string a, string b)
    {
        if (!File.Exists(a) || !File.Exists(b))
        {
            return false;
        }

        if (OperatingSystem.IsLinux() && (RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64)
            && TryGetInode(a, out var ia) && TryGetInode(b, out var ib))
        {
            return ia == ib;
        }

        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return string.Equals(FinalPath(a), FinalPath(b), comparison);
    }

    private static string FinalPath(string path)
    {
        var full = Path.GetFullPath(path);
        var target = new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true);
        return target?.FullName ?? full;
    }

    /// <summary>
    /// (st_dev, st_ino) from stat(2). On Linux x86-64 and arm64 both are 64-bit and the first two fields of struct stat.
    /// </summary>
    private static bool TryGetInode(string path, out (ulong Device, ulong Inode) id)
    {
        var buffer = new byte[256];
        try
        {
            if (Stat(path, buffer) == 0)
            {
                id = (BinaryPrimitives.ReadUInt64LittleEndian(buffer), BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(8)));
                return true;
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
        }

        id = default;
        return false;
    }

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, [Out] byte[] buffer);
}
