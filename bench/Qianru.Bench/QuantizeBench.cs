using System.Diagnostics;
using System.Numerics.Tensors;
using Qianru.Quantization;

namespace Qianru.Bench;

/// <summary>
/// Qianru float32 against Qianru int8 (minilm vs minilm-int8, plus other quantization settings) on the same sentences
/// in the same run: sentences per second (median of interleaved rounds), the ratio to float32, and cosine with float32.
/// Usage: quantize [sentences.txt] [--rounds N] [--threads N] [--variants]
/// </summary>
internal static class QuantizeBench
{
    public static int Run(string[] args)
    {
        var path = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? DefaultCorpus();
        var rounds = IntOption(args, "--rounds") ?? 5;
        var threads = IntOption(args, "--threads");
        var texts = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        var options = new EmbedderOptions { Threads = threads };

        var models = new List<(string Name, SentenceEmbedder Embedder)>
        {
            ("minilm (fp32)", SentenceEmbedder.Create("minilm", options)),
        };
        var sw = Stopwatch.StartNew();
        models.Add(("minilm-int8 (default: 8-bit, block 32)", SentenceEmbedder.Create("minilm-int8", options)));
        Console.WriteLine($"minilm-int8 ready in {sw.Elapsed.TotalSeconds:F1} s (cache: {QuantizedModelCache.Folder})");
        if (args.Contains("--variants"))
        {
            var root = Path.Combine(Path.GetTempPath(), "qianru-quantize-bench-" + Environment.ProcessId);
            foreach (var (name, o) in new (string, QuantizationOptions)[]
            {
                ("int8 block 64", new() { BlockSize = 64 }),
                ("int8 block 128", new() { BlockSize = 128 }),
                ("int8 block 128 per-channel", new() { BlockSize = 128, PerChannel = true }),
                ("int8 block 32, float compute", new() { AccuracyLevel = 0 }),
                ("int4 block 32", new() { Bits = 4 }),
            })
            {
                var folder = Path.Combine(root, name.Replace(' ', '_').Replace(',', '_'));
                sw.Restart();
                ModelQuantizer.QuantizeModel("minilm", folder, o);
                Console.WriteLine($"{name}: quantized in {sw.Elapsed.TotalSeconds:F1} s");
                models.Add((name, SentenceEmbedder.Create(folder, options)));
            }
        }

        Console.WriteLine($"{texts.Length} sentences from {path}; {rounds} interleaved rounds; threads {threads?.ToString() ?? Environment.ProcessorCount.ToString()}; {Environment.ProcessorCount} logical CPUs");
        var tokenizeSeconds = Time(() => models[0].Embedder.Encode([], null), () => { foreach (var t in texts) { models[0].Embedder.Tokenize(t); } });
        var reference = models[0].Embedder.EmbedBatch(texts);
        var seconds = models.Select(_ => new List<double>()).ToArray();
        var vectors = new float[models.Count][][];
        for (var i = 0; i < models.Count; i++)
        {
            vectors[i] = models[i].Embedder.EmbedBatch(texts[..64]); // warm-up
        }

        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < models.Count; i++)
            {
                sw.Restart();
                vectors[i] = models[i].Embedder.EmbedBatch(texts);
                seconds[i].Add(sw.Elapsed.TotalSeconds);
            }
        }

        Console.WriteLine();
        Console.WriteLine("| model | sentences/s (median) | × fp32 | cosine with fp32: min | mean |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        var baseline = texts.Length / Median(seconds[0]);
        for (var i = 0; i < models.Count; i++)
        {
            var rate = texts.Length / Median(seconds[i]);
            var cosines = vectors[i].Select((v, j) => (double)TensorPrimitives.CosineSimilarity(v, reference[j])).ToArray();
            Console.WriteLine($"| {models[i].Name} | {rate:F1} | {rate / baseline:F2} | {cosines.Min():F4} | {cosines.Average():F5} |");
        }

        Console.WriteLine();
        Console.WriteLine($"tokenization alone: {texts.Length / tokenizeSeconds:F0} sentences/s ({100 * tokenizeSeconds / Median(seconds[1]):F1}% of the int8 time)");
        foreach (var (_, embedder) in models)
        {
            embedder.Dispose();
        }

        return 0;
    }

    private static double Time(Action warm, Action action)
    {
        warm();
        action();
        var sw = Stopwatch.StartNew();
        action();
        return sw.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static int? IntOption(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    private static string DefaultCorpus()
    {
        // ../shared/bench/sentences-1000.txt relative to the repository root (the folder holding Qianru.slnx).
        var dir = new DirectoryInfo(Environment.CurrentDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Qianru.slnx")))
        {
            dir = dir.Parent;
        }

        return Path.GetFullPath(Path.Combine(dir?.FullName ?? Environment.CurrentDirectory, "..", "shared", "bench", "sentences-1000.txt"));
    }
}
