using System.Diagnostics;
using System.Numerics.Tensors;
using Qianru.Quantization;

namespace Qianru.Bench;

/// <summary>
/// The per-row int8 method's smoothing strength: accuracy against fp32 and sentences per CPU-second for each alpha.
/// Usage: quantize [sentences.txt] --explore [--alphas 0,30,60,90] [--threads N].
/// </summary>
internal static class QuantizeExplore
{
    public static int Run(string[] texts, int threads, string[] args)
    {
        var options = new EmbedderOptions { Threads = threads };
        using var fp32 = SentenceEmbedder.Create("minilm", options);
        var reference = fp32.EmbedBatch(texts);
        var fpTime = Math.Min(CpuTime(() => fp32.EmbedBatch(texts)), CpuTime(() => fp32.EmbedBatch(texts)));
        Console.WriteLine($"fp32: {texts.Length / fpTime:F0} sentences per CPU-second ({threads} intra-op thread(s))");
        var root = Path.Combine(Path.GetTempPath(), "qianru-explore-" + Environment.ProcessId);
        foreach (var alpha in (IntList(args, "--alphas") ?? [0, 30, 50, 60, 70, 80, 90]).Select(a => a / 100f))
        {
            var folder = Path.Combine(root, $"alpha{alpha}");
            ModelQuantizer.QuantizeModel("minilm", folder, new QuantizationOptions { SmoothingAlpha = alpha });
            using var embedder = SentenceEmbedder.Create(folder, options);
            var vectors = embedder.EmbedBatch(texts);
            var time = Math.Min(CpuTime(() => embedder.EmbedBatch(texts)), CpuTime(() => embedder.EmbedBatch(texts)));
            var cos = vectors.Select((v, i) => (double)TensorPrimitives.CosineSimilarity(v, reference[i])).ToArray();
            Console.WriteLine($"row int8, alpha {alpha:F2}: {texts.Length / time:F0} sentences per CPU-second = {fpTime / time:F2}x fp32; cosine with fp32 min {cos.Min():F4} mean {cos.Average():F5}; below 0.99: {cos.Count(c => c < 0.99)}");
        }

        Directory.Delete(root, recursive: true);
        return 0;
    }

    private static double CpuTime(Action action)
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var start = process.TotalProcessorTime;
        action();
        process.Refresh();
        return (process.TotalProcessorTime - start).TotalSeconds;
    }

    private static int[]? IntList(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? [.. args[i + 1].Split(',').Select(int.Parse)] : null;
    }
}
