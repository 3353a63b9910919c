using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Qianru.Bench;

/// <summary>
/// <c>stream</c>: peak memory of <c>qianru embed --input FILE --output FILE.jsonl</c> (a child process; the peak
/// resident set, VmHWM, read from /proc while it runs) on a small and a large generated input. Streaming in windows
/// keeps the large run's peak within 1.5× of the small one's. With <c>--baseline</c> it also runs the large input as
/// one window (<c>--window 1000000</c>), which holds every text and vector as the command did before it streamed.
/// </summary>
/// <remarks>
/// Options: --small N (10000), --large N (200000), --model ID (minilm-int8), --cli PATH (Qianru.Cli.dll; default: the
/// Release build beside this repository's bench), --baseline.
/// </remarks>
internal static class StreamBench
{
    public static int Run(string[] args)
    {
        var small = int.Parse(BenchPaths.Option(args, "--small") ?? "10000", CultureInfo.InvariantCulture);
        var large = int.Parse(BenchPaths.Option(args, "--large") ?? "200000", CultureInfo.InvariantCulture);
        var model = BenchPaths.Option(args, "--model") ?? "minilm-int8";
        var cli = BenchPaths.Option(args, "--cli") ?? FindCli();
        var dir = Path.Combine(Path.GetTempPath(), "qianru-stream-bench-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(dir);
        try
        {
            var input = Path.Combine(dir, "large.txt");
            WriteLines(input, large);
            var smallInput = Path.Combine(dir, "small.txt");
            File.WriteAllLines(smallInput, File.ReadLines(input).Take(small));
            Console.WriteLine($"qianru embed --model {model}: generated lines of 3 to 8 English words; {Environment.ProcessorCount} cores; {DateTime.UtcNow:yyyy-MM-dd}");
            var a = Measure(cli, dir, smallInput, model, small, []);
            var b = Measure(cli, dir, input, model, large, []);
            Console.WriteLine($"peak RSS ratio, {large} / {small} lines: {(double)b.PeakKb / a.PeakKb:F2} (target ≤ 1.5)");
            if (args.Contains("--baseline"))
            {
                var c = Measure(cli, dir, input, model, large, ["--window", "1000000"]);
                Console.WriteLine($"one window of all {large} lines (no streaming): peak RSS {c.PeakKb / 1024.0:F0} MiB, {(double)c.PeakKb / a.PeakKb:F2}× the small run");
            }

            return (double)b.PeakKb / a.PeakKb <= 1.5 ? 0 : 1;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static (long PeakKb, double Seconds) Measure(string cli, string dir, string input, string model, int lines, string[] extra)
    {
        var output = Path.Combine(dir, "out.jsonl");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { cli, "embed", "--input", input, "--output", output, "--model", model }.Concat(extra))
        {
            start.ArgumentList.Add(a);
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var peak = 0L;
        while (!process.WaitForExit(20))
        {
            peak = Math.Max(peak, PeakKb(process.Id));
        }

        clock.Stop();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"qianru embed failed ({process.ExitCode}): {stderr.Result}");
        }

        var rows = File.ReadLines(output).Count();
        if (rows != lines)
        {
            throw new InvalidOperationException($"{rows} rows written for {lines} lines");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{lines,8} lines{(extra.Length > 0 ? " " + string.Join(' ', extra) : "")}: peak RSS {peak / 1024.0,6:F0} MiB, {clock.Elapsed.TotalSeconds,7:F1} s, {lines / clock.Elapsed.TotalSeconds,6:F0} texts/s"));
        return (peak, clock.Elapsed.TotalSeconds);
    }

    /// <summary>VmHWM (peak resident set, kB) of a running process; 0 once it is gone.</summary>
    private static long PeakKb(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }

        return 0;
    }

    private static void WriteLines(string path, int count)
    {
        string[] words =
        [
            "the", "a", "search", "engine", "returns", "results", "for", "every", "query", "model", "vector", "text", "city", "river",
            "mountain", "king", "queen", "people", "learn", "quickly", "slowly", "data", "machine", "embedding", "cluster", "similar",
            "report", "market", "growth", "weather", "today", "tomorrow", "museum", "library", "train", "station", "coffee", "music",
        ];
        var random = new Random(42);
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        var line = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            line.Clear();
            for (var w = 3 + random.Next(6); w > 0; w--)
            {
                line.Append(words[random.Next(words.Length)]).Append(w > 1 ? " " : "");
            }

            writer.Write(line);
            writer.Write('\n');
        }
    }

    /// <summary>src/Qianru.Cli/bin/Release/net10.0/Qianru.Cli.dll above the working directory.</summary>
    private static string FindCli()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var configuration in new[] { "Release", "Debug" })
            {
                var candidate = Path.Combine(dir.FullName, "src", "Qianru.Cli", "bin", configuration, "net10.0", "Qianru.Cli.dll");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new FileNotFoundException("Qianru.Cli.dll not found; build src/Qianru.Cli (dotnet build -c Release src/Qianru.Cli) or pass --cli PATH.");
    }
}
