using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Qianru.Models;
using Qianru.Models.Import;
using Qianru.Tests.Support;

namespace Qianru.Bench;

/// <summary>
/// A Hugging Face folder without an ONNX export (weights in model.safetensors, graph built by Qianru) against the
/// ONNX export of the same weights, each in a fresh process as a user runs them: load + embed a corpus. Also, with
/// --large, the time and peak memory to load a random-weight bge-large-sized model (1.3 GB of float32 weights).
/// Usage: import --sentences PATH [--runs 2] [--large] [--threads N] [--cpu-only]
/// Child modes (run by the parent): import-run --model DIR --sentences PATH [--threads N]; import-load --model DIR
/// </summary>
internal static class ImportBench
{
    private const double FlopsPerToken = 21.5e6; // all-MiniLM-L6-v2, forward pass, per token

    public static int Run(string[] args)
    {
        var sentences = BenchPaths.Option(args, "--sentences") ?? SafeDefault();
        if (sentences is null || !File.Exists(sentences))
        {
            Console.Error.WriteLine($"import: sentences file {(sentences is null ? "not given" : $"'{sentences}' not found")}; pass --sentences PATH (a text file, one sentence per line).");
            return 2;
        }

        var runs = int.Parse(BenchPaths.Option(args, "--runs") ?? "2", CultureInfo.InvariantCulture);
        var threads = BenchPaths.Option(args, "--threads");
        var root = Path.Combine(Path.GetTempPath(), "qianru-import-bench-" + Environment.ProcessId);
        Directory.CreateDirectory(root);
        Environment.SetEnvironmentVariable("QIANRU_CACHE_DIR", Path.Combine(root, "cache"));
        try
        {
            Console.WriteLine($"corpus: {sentences} ({File.ReadLines(sentences).Count(l => l.Length > 0)} sentences)");
            Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}, .NET {Environment.Version}");
            var peak = PeakFlops.Measure(Environment.ProcessorCount);
            Console.WriteLine($"fp32 FMA peak (same run): {peak / 1e9:F1} GFLOP/s");

            var export = Path.Combine(root, "minilm-onnx");
            var imported = Path.Combine(root, "minilm-safetensors");
            WriteMiniLmFolders(export, imported);
            var extra = threads is null ? "" : $" --threads {threads}";
            if (args.Contains("--cpu-only"))
            {
                using (SentenceEmbedder.Create(imported))
                {
                }

                CpuTime(export, imported, sentences);
                return 0;
            }

            var rows = new List<(string Name, Child Result)>();
            for (var r = 0; r < runs; r++)
            {
                rows.Add(($"ONNX export (model.onnx), run {r + 1}", RunChild($"import-run --model {export} --sentences {sentences}{extra}")));
                rows.Add(($"safetensors, run {r + 1}{(r == 0 ? " (builds the graph)" : " (cached graph)")}", RunChild($"import-run --model {imported} --sentences {sentences}{extra}")));
            }

            Console.WriteLine();
            Console.WriteLine("all-MiniLM-L6-v2, fp32, each run a fresh process (load + embed the corpus once):");
            Console.WriteLine("| folder | whole process (s) | load (s) | embed (s) | sentences/s | FMA peak used | peak working set |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
            foreach (var (name, c) in rows)
            {
                Console.WriteLine($"| {name} | {c.Wall:F2} | {c.Load:F2} | {c.Embed:F2} | {c.Sentences / c.Embed:F0} | {100 * c.Tokens * FlopsPerToken / c.Embed / peak:F0}% | {c.PeakMb:F0} MiB |");
            }

            var exports = rows.Where(r => r.Name.StartsWith("ONNX", StringComparison.Ordinal)).Select(r => r.Result).ToList();
            var imports = rows.Where(r => r.Name.StartsWith("safetensors", StringComparison.Ordinal)).Select(r => r.Result).ToList();
            Console.WriteLine();
            Console.WriteLine($"embed speed imported / export: best {exports.Min(c => c.Embed) / imports.Min(c => c.Embed):F2}x; whole process, cached graph: {exports.Skip(1).DefaultIfEmpty(exports[0]).Min(c => c.Wall) / imports.Skip(1).DefaultIfEmpty(imports[0]).Min(c => c.Wall):F2}x");
            Console.WriteLine($"load imported (cached) / export: {imports.Skip(1).DefaultIfEmpty(imports[0]).Min(c => c.Load) / exports.Min(c => c.Load):F2}x (goal <= 2x); first load with the build: {imports[0].Load:F2} s");
            Console.WriteLine($"same vectors: min cosine {Cosine(Path.Combine(root, "vectors-" + Path.GetFileName(export) + ".bin"), Path.Combine(root, "vectors-" + Path.GetFileName(imported) + ".bin")):F6}");

            CpuTime(export, imported, sentences);

            if (args.Contains("--large"))
            {
                Large(root);
            }

            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>Child: load a folder, embed the corpus once, write the vectors beside the folder and print timings as JSON.</summary>
    public static int RunChild(string[] args)
    {
        var sw = Stopwatch.StartNew();
        var model = BenchPaths.Option(args, "--model")!;
        var threads = BenchPaths.Option(args, "--threads") is { } t ? int.Parse(t, CultureInfo.InvariantCulture) : (int?)null;
        using var embedder = SentenceEmbedder.Create(model, new EmbedderOptions { Threads = threads });
        var load = sw.Elapsed.TotalSeconds;
        var sentences = File.ReadAllLines(BenchPaths.Option(args, "--sentences")!).Where(l => l.Length > 0).ToArray();
        var tokens = sentences.Sum(s => (long)embedder.Tokenize(s).Length);
        sw.Restart();
        var vectors = embedder.EmbedBatch(sentences);
        var embed = sw.Elapsed.TotalSeconds;
        using (var file = File.Create(Path.Combine(Path.GetDirectoryName(model)!, "vectors-" + Path.GetFileName(model) + ".bin")))
        {
            foreach (var v in vectors)
            {
                file.Write(MemoryMarshal.AsBytes(v.AsSpan()));
            }
        }

        Console.WriteLine(JsonSerializer.Serialize(new Child(0, load, embed, sentences.Length, tokens, Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0)));
        return 0;
    }

    /// <summary>Child: load a folder and print the load time and peak memory as JSON.</summary>
    public static int LoadChild(string[] args)
    {
        var sw = Stopwatch.StartNew();
        using var embedder = SentenceEmbedder.Create(BenchPaths.Option(args, "--model")!);
        var load = sw.Elapsed.TotalSeconds;
        embedder.Embed("一个句子。");
        Console.WriteLine(JsonSerializer.Serialize(new Child(0, load, 0, 0, 0, Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0)));
        return 0;
    }

    /// <summary>
    /// The same padded batches through both graphs in one process, one intra-op thread, no spinning, interleaved:
    /// CPU time per batch, which other processes on the machine disturb far less than wall time.
    /// </summary>
    private static void CpuTime(string export, string imported, string sentences)
    {
        var built = Directory.GetFiles(Path.Combine(Environment.GetEnvironmentVariable("QIANRU_CACHE_DIR")!, "imported"), ImportedModelCache.OnnxFile, SearchOption.AllDirectories).Single();
        using var tokenizerModel = SentenceEmbedder.Create(export);
        var texts = File.ReadLines(sentences).Where(l => l.Length > 0).ToArray();
        var batches = new List<(long[] Ids, long[] Mask, long[] Shape)>();
        for (var b = 0; b < 4; b++)
        {
            var ids = texts.Skip(b * 32).Take(32).Select(t => tokenizerModel.Tokenize(t).Ids).ToArray();
            var width = ids.Max(i => i.Length);
            var flat = new long[32 * width];
            var mask = new long[32 * width];
            for (var r = 0; r < ids.Length; r++)
            {
                ids[r].CopyTo(flat, r * width);
                mask.AsSpan(r * width, ids[r].Length).Fill(1);
            }

            batches.Add((flat, mask, [32, width]));
        }

        Microsoft.ML.OnnxRuntime.InferenceSession Open(string path)
        {
            using var options = new Microsoft.ML.OnnxRuntime.SessionOptions
            {
                IntraOpNumThreads = 1,
                InterOpNumThreads = 1,
                GraphOptimizationLevel = Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_ALL,
                LogSeverityLevel = Microsoft.ML.OnnxRuntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            };
            options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            return new Microsoft.ML.OnnxRuntime.InferenceSession(path, options);
        }

        using var a = Open(Path.Combine(export, "model.onnx"));
        using var b2 = Open(built);
        double Run(Microsoft.ML.OnnxRuntime.InferenceSession session)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            foreach (var (ids, mask, shape) in batches)
            {
                using var i1 = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(ids, shape);
                using var i2 = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(mask, shape);
                using var i3 = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(new long[ids.Length], shape);
                using var run = new Microsoft.ML.OnnxRuntime.RunOptions();
                using var result = session.Run(run, ["input_ids", "attention_mask", "token_type_ids"], [i1, i2, i3], ["last_hidden_state"]);
            }

            return (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
        }

        Run(a);
        Run(b2);
        var ta = new List<double>();
        var tb = new List<double>();
        for (var r = 0; r < 10; r++)
        {
            (r % 2 == 0 ? ta : tb).Add(r % 2 == 0 ? Run(a) : Run(b2));
            (r % 2 == 0 ? tb : ta).Add(r % 2 == 0 ? Run(b2) : Run(a));
        }

        ta.Sort();
        tb.Sort();
        var tokens = batches.Sum(b => b.Ids.Length);
        Console.WriteLine();
        Console.WriteLine($"CPU time, 1 thread, the same 4 padded batches of 32 ({tokens} positions), 10 interleaved rounds: export median {ta[5]:F0} ms (min {ta[0]:F0}), imported median {tb[5]:F0} ms (min {tb[0]:F0}); imported / export speed {ta[5] / tb[5]:F2}x");
    }

    private static void Large(string root)
    {
        // bge-large-zh-v1.5's shape: 24 layers, hidden 1024, 16 heads, FFN 4096, 21128 tokens, 512 positions.
        var folder = Path.Combine(root, "bge-large-random");
        Directory.CreateDirectory(folder);
        var config = new Dictionary<string, object>
        {
            ["model_type"] = "bert", ["hidden_size"] = 1024, ["num_attention_heads"] = 16, ["num_hidden_layers"] = 24,
            ["intermediate_size"] = 4096, ["hidden_act"] = "gelu", ["layer_norm_eps"] = 1e-12, ["max_position_embeddings"] = 512,
            ["type_vocab_size"] = 2, ["pad_token_id"] = 0, ["vocab_size"] = 21128,
        };
        File.WriteAllText(Path.Combine(folder, "config.json"), JsonSerializer.Serialize(config));
        File.WriteAllLines(Path.Combine(folder, "vocab.txt"), ["[PAD]", .. Enumerable.Range(1, 99).Select(i => $"[unused{i}]"), "[UNK]", "[CLS]", "[SEP]", "[MASK]", .. Enumerable.Range(0x4E00, 21128 - 104).Select(c => ((char)c).ToString())]);
        var tensors = new List<(string Name, long[] Shape)>
        {
            ("embeddings.word_embeddings.weight", [21128, 1024]), ("embeddings.position_embeddings.weight", [512, 1024]),
            ("embeddings.token_type_embeddings.weight", [2, 1024]), ("embeddings.LayerNorm.weight", [1024]), ("embeddings.LayerNorm.bias", [1024]),
        };
        for (var i = 0; i < 24; i++)
        {
            var p = $"encoder.layer.{i}.";
            foreach (var n in new[] { "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense" })
            {
                tensors.Add((p + n + ".weight", [1024, 1024]));
                tensors.Add((p + n + ".bias", [1024]));
            }

            tensors.Add((p + "intermediate.dense.weight", [4096, 1024]));
            tensors.Add((p + "intermediate.dense.bias", [4096]));
            tensors.Add((p + "output.dense.weight", [1024, 4096]));
            tensors.Add((p + "output.dense.bias", [1024]));
            foreach (var n in new[] { "attention.output.LayerNorm", "output.LayerNorm" })
            {
                tensors.Add((p + n + ".weight", [1024]));
                tensors.Add((p + n + ".bias", [1024]));
            }
        }

        var weights = Path.Combine(folder, "model.safetensors");
        WriteRandomSafetensors(weights, tensors);
        Console.WriteLine();
        Console.WriteLine($"bge-large-sized random weights: {new FileInfo(weights).Length / 1e9:F2} GB model.safetensors, each load a fresh process:");
        var first = RunChild($"import-load --model {folder}");
        var second = RunChild($"import-load --model {folder}");

        // The same graph as one self-contained model.onnx (weights inside, as most exports ship).
        var single = Path.Combine(root, "bge-large-onnx");
        Directory.CreateDirectory(single);
        File.Copy(Path.Combine(folder, "vocab.txt"), Path.Combine(single, "vocab.txt"));
        File.Copy(Path.Combine(folder, "config.json"), Path.Combine(single, "config.json"));
        var built = Directory.GetFiles(Path.Combine(root, "cache", "imported"), ImportedModelCache.OnnxFile, SearchOption.AllDirectories).Single(p => p.Contains("bge-large", StringComparison.Ordinal));
        File.WriteAllBytes(Path.Combine(single, "model.onnx"), OnnxExternalData.ReadInlined(built));
        var export = RunChild($"import-load --model {single}");
        var export2 = RunChild($"import-load --model {single}");
        Console.WriteLine("| load | whole process (s) | load (s) | peak working set |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine($"| safetensors, first load (builds and caches the graph) | {first.Wall:F2} | {first.Load:F2} | {first.PeakMb:F0} MiB |");
        Console.WriteLine($"| safetensors, second load (cached graph, external data) | {second.Wall:F2} | {second.Load:F2} | {second.PeakMb:F0} MiB |");
        Console.WriteLine($"| the same graph as one model.onnx (weights inside), run 1 | {export.Wall:F2} | {export.Load:F2} | {export.PeakMb:F0} MiB |");
        Console.WriteLine($"| the same graph as one model.onnx (weights inside), run 2 | {export2.Wall:F2} | {export2.Load:F2} | {export2.PeakMb:F0} MiB |");
        Console.WriteLine($"second load / single-file load: {second.Load / Math.Min(export.Load, export2.Load):F2}x (goal <= 2x)");
    }

    private static void WriteRandomSafetensors(string path, List<(string Name, long[] Shape)> tensors)
    {
        var header = new Dictionary<string, object>();
        long offset = 0;
        foreach (var (name, shape) in tensors)
        {
            var bytes = shape.Aggregate(4L, (a, b) => a * b);
            header[name] = new { dtype = "F32", shape, data_offsets = new[] { offset, offset + bytes } };
            offset += bytes;
        }

        var json = JsonSerializer.SerializeToUtf8Bytes(header);
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        file.Write(BitConverter.GetBytes((ulong)json.Length));
        file.Write(json);
        var random = new Random(42);
        var buffer = new float[1 << 20];
        foreach (var (name, shape) in tensors)
        {
            var count = shape.Aggregate(1L, (a, b) => a * b);
            var scale = name.Contains("LayerNorm.weight", StringComparison.Ordinal) ? 0f : 0.02f;
            for (long done = 0; done < count; done += buffer.Length)
            {
                var n = (int)Math.Min(buffer.Length, count - done);
                for (var i = 0; i < n; i++)
                {
                    buffer[i] = scale == 0 ? 1f : (float)((random.NextDouble() - 0.5) * 2 * scale);
                }

                file.Write(MemoryMarshal.AsBytes(buffer.AsSpan(0, n)));
            }
        }
    }

    /// <summary>The export folder (the embedded MiniLM's model.onnx) and the same weights as a hub folder with model.safetensors and no ONNX.</summary>
    private static void WriteMiniLmFolders(string export, string imported)
    {
        foreach (var dir in new[] { export, imported })
        {
            Directory.CreateDirectory(Path.Combine(dir, "1_Pooling"));
            File.WriteAllBytes(Path.Combine(dir, "vocab.txt"), EmbeddedModels.ReadVocabulary(EmbeddedModels.MiniLM));
            File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), """{"tokenizer_class": "BertTokenizer", "do_lower_case": true, "model_max_length": 512}""");
            File.WriteAllText(Path.Combine(dir, "sentence_bert_config.json"), """{"max_seq_length": 256, "do_lower_case": false}""");
            File.WriteAllText(Path.Combine(dir, "modules.json"), """[{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},{"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"},{"idx":2,"name":"2","path":"2_Normalize","type":"sentence_transformers.models.Normalize"}]""");
            File.WriteAllText(Path.Combine(dir, "1_Pooling", "config.json"), """{"word_embedding_dimension": 384, "pooling_mode_mean_tokens": true}""");
            File.WriteAllText(Path.Combine(dir, "config.json"), """{"architectures":["BertModel"],"model_type":"bert","hidden_size":384,"num_attention_heads":12,"num_hidden_layers":6,"intermediate_size":1536,"hidden_act":"gelu","layer_norm_eps":1e-12,"max_position_embeddings":512,"type_vocab_size":2,"pad_token_id":0,"vocab_size":30522}""");
        }

        File.WriteAllBytes(Path.Combine(export, "model.onnx"), EmbeddedModels.ReadOnnx(EmbeddedModels.MiniLM));
        HfWeights.WriteSafetensors(Path.Combine(imported, "model.safetensors"), HfWeights.MiniLm);
    }

    private static Child RunChild(string arguments)
    {
        var self = Environment.ProcessPath!;
        var info = Path.GetFileNameWithoutExtension(self) == "dotnet"
            ? new ProcessStartInfo(self, $"{typeof(ImportBench).Assembly.Location} {arguments}")
            : new ProcessStartInfo(self, arguments);
        info.RedirectStandardOutput = true;
        var sw = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var wall = sw.Elapsed.TotalSeconds;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"child '{arguments}' exited with {process.ExitCode}: {output}");
        }

        var child = JsonSerializer.Deserialize<Child>(output.Trim().Split('\n')[^1])!;
        return child with { Wall = wall };
    }

    private static double Cosine(string a, string b)
    {
        var x = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(a));
        var y = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(b));
        var min = 1.0;
        for (var i = 0; i < x.Length; i += 384)
        {
            double dot = 0, na = 0, nb = 0;
            for (var j = i; j < i + 384; j++)
            {
                dot += (double)x[j] * y[j];
                na += (double)x[j] * x[j];
                nb += (double)y[j] * y[j];
            }

            min = Math.Min(min, dot / Math.Sqrt(na * nb));
        }

        return min;
    }

    private static string? SafeDefault()
    {
        try
        {
            return BenchPaths.Sentences([]);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    private sealed record Child(double Wall, double Load, double Embed, int Sentences, long Tokens, double PeakMb);
}
