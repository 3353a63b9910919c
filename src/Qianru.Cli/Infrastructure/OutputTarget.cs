namespace Qianru.Cli.Infrastructure;

/// <summary>Where a command writes: standard output, or a file given with <c>--output</c>.</summary>
internal static class OutputTarget
{
    /// <summary>Opens a text writer on the file, or returns standard output (not to be disposed) for null or "-".</summary>
    public static TextWriter OpenText(string? output, CliContext context, out bool owned)
    {
        owned = output is not null and not "-";
        return owned ? new StreamWriter(CreateFile(output!, context), new System.Text.UTF8Encoding(false)) : context.Out;
    }

    /// <summary>Opens a byte stream on the file, or standard output for null or "-".</summary>
    public static Stream OpenBinary(string? output, CliContext context) =>
        output is null or "-" ? context.OpenStdoutStream() : CreateFile(output, context);

    private static FileStream CreateFile(string output, CliContext context)
    {
        var path = context.ResolvePath(output);
        var folder = Path.GetDirectoryName(path);
        if (folder is not null && !Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"{output}: folder {folder} does not exist.");
        }

        return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
    }
}
