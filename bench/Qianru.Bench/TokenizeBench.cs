// SentencePiece Unigram tokenization speed on one core: Qianru's UnigramTokenizer against Hugging Face's Rust tokenizer
// (Tokenizers.DotNet) on the same tokenizer.json and the same mixed Chinese/English texts, and Microsoft.ML.Tokenizers'
// SentencePieceTokenizer on the same model's sentencepiece.bpe.model (speed, and how many texts get other ids). Usage:
//   dotnet run -c Release --project bench/Qianru.Bench -- tokenize [--tokenizer DIR] [--sentences PATH] [--chinese PATH] [--rounds 5]
// DIR holds tokenizer.json (and optionally sentencepiece.bpe.model); default: the test fixture model
// tests/Qianru.Tests/Fixtures/unigram/xlmr (8,002 pieces, nmt_nfkc). --chinese: a Chinese text file, one text a line
// (default: the Chinese tutorial's lines stored in tests/Qianru.Tests/Fixtures/unigram/expected.txt.gz).
using System.Diagnostics;
using Qianru.Tokenization;

namespace Qianru.Bench;

internal static class TokenizeBench
{
    public static int Run(string[] args)
    {
        var folder = BenchPaths.Option(args, "--tokenizer") ?? FindUp(Path.Combine("tests", "Qianru.Tests", "Fixtures", "unigram", "xlmr"));
        var rounds = int.Parse(BenchPaths.Option(args, "--rounds") ?? "5", System.Globalization.CultureInfo.InvariantCulture);
        var english = File.ReadAllLines(BenchPaths.Sentences(args)).Where(l => l.Length > 0).ToArray();
        var chinesePath = BenchPaths.Option(args, "--chinese");
        var chinese = chinesePath is not null
            ? File.ReadAllLines(chinesePath).Where(l => l.Trim().Length > 0).ToArray()
            : TutorialLines(Path.Combine(Path.GetDirectoryName(folder)!, "expected.txt.gz"));

        // Mixed input: each text is a Chinese line followed by an English sentence, as in bilingual documents.
        var texts = new List<string>();
        for (var i = 0; i < Math.Max(english.Length, chinese.Length); i++)
        {
            texts.Add(chinese[i % chinese.Length] + " " + english[i % english.Length]);
        }

        var json = Path.Combine(folder, "tokenizer.json");
        var ours = UnigramTokenizer.FromTokenizerJson(json);
        using var hf = new Tokenizers.DotNet.Tokenizer(json);
        var pieces = texts.Sum(t => ours.Encode(t).Length - 2);
        var chars = texts.Sum(t => t.Length);
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}; tokenizer {json} ({ours.VocabularySize:N0} ids)");
        Console.WriteLine($"input: {texts.Count:N0} mixed texts ({chars:N0} chars, {pieces:N0} tokens without <s>/</s>); one thread; best of {rounds} rounds of 10 passes");

        var mismatches = texts.Count(t => !ours.Encode(t).Ids.SequenceEqual(hf.Encode(t).Select(x => (long)x)));
        Console.WriteLine($"ids: Qianru vs Hugging Face differ on {mismatches} of {texts.Count} texts");

        var results = new List<(string Name, (double Wall, double Cpu) TokensPerSecond)>
        {
            ("Qianru UnigramTokenizer", Measure(rounds, pieces, () => { foreach (var t in texts) { ours.Encode(t); } })),
            ("Hugging Face tokenizers 0.22 (Tokenizers.DotNet 1.4.1)", Measure(rounds, pieces, () => { foreach (var t in texts) { hf.Encode(t); } })),
        };

        var model = Path.Combine(folder, "sentencepiece.bpe.model");
        if (File.Exists(model))
        {
            Microsoft.ML.Tokenizers.SentencePieceTokenizer ml;
            using (var stream = File.OpenRead(model))
            {
                ml = Microsoft.ML.Tokenizers.SentencePieceTokenizer.Create(stream, false, false);
            }

            // Its ids are SentencePiece's own; transformers' XLM-R ids are those + 1 (<unk> 0 -> 3) within <s> ... </s>.
            var differ = texts.Count(t => !ours.Encode(t).Ids.SequenceEqual(
                ml.EncodeToIds(t).Select(i => i == 0 ? 3L : i + 1L).Prepend(0L).Append(2L)));
            Console.WriteLine($"ids: Microsoft.ML.Tokenizers SentencePieceTokenizer vs Hugging Face differ on {differ} of {texts.Count} texts");
            foreach (var probe in new[] { "trailing space ", "<s> in text", "\uFF21\u0301", "\uFF8A\uFF9F", "\u1100\u1161\u11A8" })
            {
                var same = ours.Encode(probe).Ids.SequenceEqual(ml.EncodeToIds(probe).Select(i => i == 0 ? 3L : i + 1L).Prepend(0L).Append(2L));
                Console.WriteLine($"  {System.Text.Json.JsonSerializer.Serialize(probe)}: {(same ? "same ids" : "other ids")}");
            }
            results.Add(("Microsoft.ML.Tokenizers 2.0.1 SentencePieceTokenizer", Measure(rounds, pieces, () => { foreach (var t in texts) { ml.EncodeToIds(t); } })));
        }

        Console.WriteLine();
        Console.WriteLine("| tokenizer | tokens/s (1 thread, wall) | tokens per CPU-second | × Hugging Face (CPU) |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (name, speed) in results)
        {
            Console.WriteLine($"| {name} | {speed.Wall:N0} | {speed.Cpu:N0} | {speed.Cpu / results[1].TokensPerSecond.Cpu:F2} |");
        }

        return 0;
    }

    // Best of the rounds by wall clock and by the process's CPU time (the work runs on one thread; CPU time stays
    // meaningful when other processes share the cores).
    private static (double Wall, double Cpu) Measure(int rounds, int tokens, Action once)
    {
        // Each round repeats the corpus 10 times, so that a round lasts long enough for the CPU clock's granularity.
        tokens *= 10;
        var run = () =>
        {
            for (var i = 0; i < 10; i++)
            {
                once();
            }
        };
        run(); // warm up
        var bestWall = double.MaxValue;
        var bestCpu = double.MaxValue;
        var process = Process.GetCurrentProcess();
        for (var r = 0; r < rounds; r++)
        {
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            run();
            bestWall = Math.Min(bestWall, watch.Elapsed.TotalSeconds);
            process.Refresh();
            bestCpu = Math.Min(bestCpu, (process.TotalProcessorTime - cpu).TotalSeconds);
        }

        return (tokens / bestWall, tokens / bestCpu);
    }

    // The "tutorial" texts of the Unigram fixture (lines: text tutorial JSON IDS), first model only.
    private static string[] TutorialLines(string path)
    {
        using var file = File.OpenRead(path);
        using var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        var lines = new List<string>();
        var models = 0;
        while (reader.ReadLine() is { } line)
        {
            models += line.StartsWith("model ", StringComparison.Ordinal) ? 1 : 0;
            if (models == 1 && line.StartsWith("text tutorial ", StringComparison.Ordinal))
            {
                var json = line["text tutorial ".Length..line.LastIndexOf(' ')];
                lines.Add(System.Text.Json.JsonSerializer.Deserialize<string>(json)!);
            }
        }

        return [.. lines];
    }

    private static string FindUp(string relative)
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, relative), Path.Combine(dir.FullName, "..", relative) })
            {
                if (Directory.Exists(candidate) || File.Exists(candidate))
                {
                    return Path.GetFullPath(candidate);
                }
            }
        }

        throw new FileNotFoundException($"{relative} not found; pass its path.");
    }
}
