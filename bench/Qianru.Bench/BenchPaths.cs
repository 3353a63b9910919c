namespace Qianru.Bench;

/// <summary>Finds the benchmark corpus and parses common options.</summary>
internal static class BenchPaths
{
    /// <summary>The corpus a benchmark reads: <c>--sentences PATH</c>, else bench/corpus/sentences-1000.txt in this repository.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist (the benchmark prints the message and exits with 2).</exception>
    public static string Sentences(string[] args) => Existing(Option(args, "--sentences") ?? DefaultSentences());

    /// <summary>bench/corpus/sentences-1000.txt of the repository holding the working directory or the program.</summary>
    public static string DefaultSentences()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Qianru.slnx")))
                {
                    return Path.Combine(dir.FullName, "bench", "corpus", "sentences-1000.txt");
                }
            }
        }

        return Path.Combine("bench", "corpus", "sentences-1000.txt");
    }

    /// <summary>Returns <paramref name="path"/> when the file exists; else one clear error.</summary>
    public static string Existing(string path) => File.Exists(path)
        ? Path.GetFullPath(path)
        : throw new FileNotFoundException($"benchmark corpus not found: {path} (one sentence per line; pass another with --sentences PATH)", path);

    public static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
