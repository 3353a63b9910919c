// Qianru benchmarks: each runs Qianru and its peer on the same input in the same run and prints the ratio.
// Usage: dotnet run -c Release --project bench/Qianru.Bench -- <name> [options]
namespace Qianru.Bench;

internal static class Program
{
    private static readonly Dictionary<string, Func<string[], int>> Benchmarks = new(StringComparer.OrdinalIgnoreCase)
    {
        // One line per benchmark: ["name"] = args => SomeBench.Run(args),
        ["cluster"] = args => ClusterBench.Run(args),
        ["embed"] = EmbedBench.Run,
        ["ingest"] = IngestBench.Run,
        ["peak"] = _ => { Console.WriteLine($"fp32 FMA peak: {PeakFlops.Measure(Environment.ProcessorCount) / 1e9:F1} GFLOP/s on {Environment.ProcessorCount} cores, 1 core: {PeakFlops.Measure(1) / 1e9:F1}"); return 0; },
        ["search"] = SearchBench.Run,
        ["words"] = args => WordsBench.Run(args),
        ["quantize"] = QuantizeBench.Run,
        ["serve"] = args => ServeBench.Run(args),
        ["tokenize"] = TokenizeBench.Run,
        ["import"] = ImportBench.Run,
        ["import-run"] = ImportBench.RunChild,
        ["import-load"] = ImportBench.LoadChild,
        ["stream"] = StreamBench.Run,
    };

    public static int Main(string[] args)
    {
        if (args.Length == 0 || !Benchmarks.TryGetValue(args[0], out var run))
        {
            Console.Error.WriteLine($"usage: Qianru.Bench <{string.Join('|', Benchmarks.Keys.Order())}> [options]");
            return 2;
        }

        try
        {
            return run(args[1..]);
        }
        catch (FileNotFoundException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
    }
}
