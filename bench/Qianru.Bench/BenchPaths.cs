namespace Qianru.Bench;

/// <summary>Finds the shared benchmark corpus and parses common options.</summary>
internal static class BenchPaths
{
    /// <summary>../shared/bench/sentences-1000.txt beside the repository (walking up from the working directory).</summary>
    public static string Sentences(string[] args)
    {
        var given = Option(args, "--sentences");
        if (given is not null)
        {
            return given;
        }

        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared", "bench", "sentences-1000.txt"), Path.Combine(dir.FullName, "..", "shared", "bench", "sentences-1000.txt") })
            {
                if (File.Exists(candidate))
                {
                    return Path.GetFullPath(candidate);
                }
            }
        }

        throw new FileNotFoundException("sentences-1000.txt not found; pass --sentences PATH.");
    }

    public static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
