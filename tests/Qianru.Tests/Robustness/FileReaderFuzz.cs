using System.Diagnostics;
using System.Globalization;
using Qianru.IO;
using Qianru.WordVectors;

namespace Qianru.Tests.Robustness;

/// <summary>
/// Fuzzes the file readers with seeded mutations of valid files (<see cref="FileMutator"/>). A case passes when the
/// read succeeds or is refused with a documented exception (<see cref="InvalidDataException"/>,
/// <see cref="NotSupportedException"/> for a valid but unsupported variant, <see cref="QianruException"/>) whose
/// message names the file, within <see cref="CaseTimeout"/>, having allocated at most
/// <see cref="AllocationFactor"/> × the file's size + <see cref="AllocationSlack"/> on the reading thread.
/// Adding a reader is one line in <see cref="Targets"/>.
/// </summary>
public static class FileReaderFuzz
{
    /// <summary>Allocation allowed per byte of the file (strings are UTF-16 and carry headers; rows are arrays).</summary>
    public const int AllocationFactor = 64;

    /// <summary>Allocation allowed whatever the file's size (read buffers: 1 MiB line buffers, 64 KiB format probes).</summary>
    public const long AllocationSlack = 4 << 20;

    public static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(20);

    private static readonly Random SeedValues = new(17);

    /// <summary>Every file reader a user's file reaches.</summary>
    public static IReadOnlyList<FuzzTarget> Targets { get; } =
    [
        new("npy", ".npy", () => VectorSeed(".npy"), ReadVectors),
        new("jsonl", ".jsonl", () => VectorSeed(".jsonl", "{\"embedding\": [0.5, -1.25, 3, 1e-3, 0, 2, 7, 8]}\n"), ReadVectors),
        new("csv", ".csv", () => VectorSeed(".csv", header: "d0,d1,d2,d3,d4,d5,d6,d7\n"), ReadVectors),
        new("tsv", ".tsv", () => VectorSeed(".tsv"), ReadVectors),
        new("word2vec text (.vec)", ".vec", () => WordSeed(WordVectorFormat.Word2VecText), ReadWords),
        new("GloVe text", ".txt", () => WordSeed(WordVectorFormat.GloVe), ReadWords),
        new("word2vec binary", ".bin", () => WordSeed(WordVectorFormat.Word2VecBinary), ReadWords),
        new("fastText binary", ".bin", () => File.ReadAllBytes(FastTextFixture), ReadWords),
        new("Qianru native (.qwv)", ".qwv", NativeSeed, ReadWords),
        new("safetensors", ".safetensors", () => File.ReadAllBytes(ImportFixture("model.safetensors")), ReadWeights),
        new("pytorch_model.bin (torch zip + pickle)", ".bin", () => File.ReadAllBytes(ImportFixture("pytorch_model.bin")), ReadWeights),
    ];

    private static string ImportFixture(string file) =>
        Path.Combine(AppContext.BaseDirectory, "Fixtures", "import", file.EndsWith(".bin", StringComparison.Ordinal) ? "bert-zh-bin" : "bert-zh", file);

    /// <summary>Opens a weights file as the graph builder does and reads every tensor the header or pickle declares.</summary>
    private static void ReadWeights(string path)
    {
        using var weights = Qianru.Models.Import.ImportedModelCache.Open(path);
        foreach (var tensor in weights.Tensors.Values)
        {
            if (tensor.IsFloat && tensor.Count <= 1 << 20)
            {
                weights.ReadFloats(tensor.Name, 0, new float[tensor.Count]);
            }
        }
    }

    private static string FastTextFixture => Path.Combine(AppContext.BaseDirectory, "Fixtures", "fasttext", "tiny.bin");

    /// <summary>Runs up to <paramref name="maxCases"/> mutations of the target's seed, stopping after <paramref name="budget"/>.</summary>
    public static FuzzOutcome Run(FuzzTarget target, int seed, int maxCases, TimeSpan budget)
    {
        var valid = target.Seed();
        var folder = Path.Combine(Path.GetTempPath(), "qianru-fuzz", Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(folder);
        var mutator = new FileMutator(seed);
        var outcome = new FuzzOutcome(target.Name);
        var clock = Stopwatch.StartNew();
        try
        {
            for (var i = 0; i < maxCases && clock.Elapsed < budget; i++)
            {
                var bytes = mutator.Mutate(valid, out var kind);
                var path = Path.Combine(folder, $"case{i}{target.Extension}");
                File.WriteAllBytes(path, bytes);
                RunCase(target, path, bytes.Length, $"case {i} ({kind}, seed {seed})", outcome);
                File.Delete(path);
            }
        }
        finally
        {
            outcome.Elapsed = clock.Elapsed;
            Directory.Delete(folder, recursive: true);
        }

        return outcome;
    }

    private static void RunCase(FuzzTarget target, string path, long fileBytes, string name, FuzzOutcome outcome)
    {
        Exception? error = null;
        long allocated = 0;
        var worker = new Thread(() =>
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                target.Read(path);
            }
            catch (Exception e)
            {
                error = e;
            }

            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        })
        { IsBackground = true, Name = "fuzz-read" };
        worker.Start();
        outcome.Cases++;
        if (!worker.Join(CaseTimeout))
        {
            outcome.Failures.Add($"{target.Name} {name}: no answer within {CaseTimeout.TotalSeconds} s (a hang)");
            return;
        }

        outcome.MaxAllocated = Math.Max(outcome.MaxAllocated, allocated);
        outcome.MaxAllocationRatio = Math.Max(outcome.MaxAllocationRatio, (double)Math.Max(0, allocated - AllocationSlack) / Math.Max(1, fileBytes));
        if (allocated > AllocationFactor * fileBytes + AllocationSlack)
        {
            outcome.Failures.Add(string.Create(CultureInfo.InvariantCulture, $"{target.Name} {name}: allocated {allocated} bytes for a file of {fileBytes}"));
        }

        switch (error)
        {
            case null:
                outcome.Read++;
                break;
            case InvalidDataException or NotSupportedException or QianruException when error.Message.Contains(path, StringComparison.Ordinal):
                outcome.Refused++;
                outcome.RefusedBy[error.GetType().Name] = outcome.RefusedBy.GetValueOrDefault(error.GetType().Name) + 1;
                break;
            case InvalidDataException or NotSupportedException or QianruException:
                outcome.Failures.Add($"{target.Name} {name}: the message does not name the file: {error.Message}");
                break;
            default:
                outcome.Failures.Add($"{target.Name} {name}: {error.GetType().Name}: {error.Message}");
                break;
        }
    }

    private static void ReadVectors(string path)
    {
        var rows = VectorFile.Read(path);
        _ = rows.Length;
    }

    private static void ReadWords(string path)
    {
        using var vectors = KeyedVectors.Load(path);
        if (vectors.Count > 0)
        {
            // A query reads the vectors (and, for subword models, n-gram rows) a load may only have mapped.
            _ = vectors.MostSimilar(vectors.Words[0], 3);
            if (vectors.HasSubwords && vectors.HasVector("unseenword"))
            {
                _ = vectors.GetVector("unseenword");
            }
        }
    }

    private static byte[] VectorSeed(string extension, string extra = "", string header = "")
    {
        var rows = Enumerable.Range(0, 12).Select(_ => Enumerable.Range(0, 8).Select(_ => (float)(SeedValues.NextDouble() * 2 - 1)).ToArray()).ToArray();
        var path = Path.Combine(Path.GetTempPath(), $"qianru-fuzz-seed-{Guid.NewGuid():N}{extension}");
        try
        {
            VectorFile.Write(path, rows);
            return [.. System.Text.Encoding.UTF8.GetBytes(header), .. File.ReadAllBytes(path), .. System.Text.Encoding.UTF8.GetBytes(extra)];
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static byte[] WordSeed(WordVectorFormat format)
    {
        string[] words = ["king", "queen", "man", "woman", "paris", "france", "业绩", "增长", "café", "naïve"];
        var vectors = Enumerable.Range(0, words.Length * 8).Select(_ => (float)(SeedValues.NextDouble() * 2 - 1)).ToArray();
        var path = Path.Combine(Path.GetTempPath(), $"qianru-fuzz-seed-{Guid.NewGuid():N}.txt");
        try
        {
            using (var kv = KeyedVectors.Create(words, vectors, 8))
            {
                kv.Save(path, format);
            }

            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static byte[] NativeSeed()
    {
        var path = Path.Combine(Path.GetTempPath(), $"qianru-fuzz-seed-{Guid.NewGuid():N}.qwv");
        try
        {
            using (var kv = KeyedVectors.Load(FastTextFixture))
            {
                kv.Save(path, WordVectorFormat.Native);
            }

            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

/// <summary>The counts of one target's fuzz run.</summary>
public sealed class FuzzOutcome(string target)
{
    public string Target { get; } = target;

    public int Cases { get; set; }

    /// <summary>Mutated files read without error (the mutation left them valid).</summary>
    public int Read { get; set; }

    /// <summary>Mutated files refused with a documented exception naming the file.</summary>
    public int Refused { get; set; }

    public Dictionary<string, int> RefusedBy { get; } = [];

    /// <summary>The most bytes one read allocated (on the reading thread).</summary>
    public long MaxAllocated { get; set; }

    /// <summary>The largest allocation beyond <see cref="FileReaderFuzz.AllocationSlack"/> per byte of file seen (at most <see cref="FileReaderFuzz.AllocationFactor"/>).</summary>
    public double MaxAllocationRatio { get; set; }

    public TimeSpan Elapsed { get; set; }

    /// <summary>Crashes (undocumented exceptions), hangs, over-allocations and messages that do not name the file.</summary>
    public List<string> Failures { get; } = [];

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Target}: {Cases} cases in {Elapsed.TotalSeconds:F1} s: {Read} read, {Refused} refused ({string.Join(", ", RefusedBy.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value}"))}), {Failures.Count} failures; largest allocation {MaxAllocated / 1048576.0:F1} MiB, at most {MaxAllocationRatio:F1} bytes per file byte beyond the fixed {FileReaderFuzz.AllocationSlack >> 20} MiB");
}
