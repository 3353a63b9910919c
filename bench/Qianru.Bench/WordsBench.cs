// Word vectors benchmark: skip-gram training against gensim and the fastText CLI on the same tokenized corpus, and
// GloVe-text loading speed against gensim. Usage:
//   dotnet run -c Release --project bench/Qianru.Bench -- words [--tokens 2000000] [--threads 2] [--glove-words 200000]
// Needs Debian packages bible-kjv (the `bible` program, KJV text: public domain), dict-gcide (GPL), python3-gensim, fasttext.
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using Qianru.WordVectors;

namespace Qianru.Bench;

internal static class WordsBench
{
    public static int Run(string[] args)
    {
        var tokens = IntArg(args, "--tokens", 2_000_000);
        var threads = IntArg(args, "--threads", 2);
        var gloveWords = IntArg(args, "--glove-words", 200_000);
        var work = Directory.CreateTempSubdirectory("qianru-words-bench-").FullName;
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInfo()}; work folder {work}");

        var corpus = Path.Combine(work, "corpus.txt");
        var (lines, words) = BuildCorpus(corpus, tokens);
        Console.WriteLine($"corpus: {words:N0} tokens in {lines:N0} lines (KJV from `bible`, then GCIDE definitions), lower-cased words");

        const int dim = 100, window = 5, neg = 5, minCount = 5, epochs = 5;
        var results = new List<(string Name, double Seconds, double WordsPerSecond, double CpuSeconds, string Vectors)>();

        // Qianru
        var sentences = File.ReadLines(corpus).Select(l => (IReadOnlyList<string>)l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        using (var kv = Word2VecTrainer.Train(sentences, new Word2VecOptions { Dimensions = dim, Window = window, Negative = neg, MinCount = minCount, Epochs = epochs, Threads = threads, Sample = 1e-3 }))
        {
            var seconds = watch.Elapsed.TotalSeconds;
            var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
            var path = Path.Combine(work, "qianru.vec");
            kv.Save(path, WordVectorFormat.Word2VecText);
            results.Add(("Qianru", seconds, (double)words * epochs / seconds, cpu, path));
        }

        // gensim
        var gensimScript = Path.Combine(work, "gensim_train.py");
        File.WriteAllText(gensimScript, $$"""
            import sys, time, gensim
            from gensim.models import Word2Vec
            from gensim.models.word2vec import LineSentence
            t = time.time(); c = time.process_time()
            m = Word2Vec(LineSentence(sys.argv[1]), vector_size={{dim}}, window={{window}}, negative={{neg}}, min_count={{minCount}}, epochs={{epochs}}, sg=1, sample=1e-3, workers={{threads}}, seed=int(sys.argv[3]))
            print(time.time() - t, time.process_time() - c)
            m.wv.save_word2vec_format(sys.argv[2])
            print(gensim.__version__)
            """.Replace("            ", ""));
        foreach (var seed in new[] { 1, 2 })
        {
            var path = Path.Combine(work, $"gensim{seed}.vec");
            var output = RunProcess("/usr/bin/python3", $"{gensimScript} {corpus} {path} {seed}");
            var times = output.Split('\n')[0].Split(' ');
            var seconds = double.Parse(times[0], CultureInfo.InvariantCulture);
            var cpu = double.Parse(times[1], CultureInfo.InvariantCulture);
            results.Add(($"gensim {output.Split('\n')[1].Trim()} (seed {seed})", seconds, (double)words * epochs / seconds, cpu, path));
        }

        // fastText CLI, word2vec mode (no subwords), same parameters.
        if (File.Exists("/usr/bin/fasttext"))
        {
            var prefix = Path.Combine(work, "fasttext");
            watch.Restart();
            var cpuOutput = RunProcess("/usr/bin/time", $"-f \"%U %S\" -o {prefix}.time /usr/bin/fasttext skipgram -input {corpus} -output {prefix} -dim {dim} -ws {window} -neg {neg} -minCount {minCount} -epoch {epochs} -thread {threads} -t 1e-3 -lr 0.025 -minn 0 -maxn 0 -verbose 0");
            var seconds = watch.Elapsed.TotalSeconds;
            var cpu = File.ReadAllText(prefix + ".time").Trim().Split(' ').Sum(x => double.Parse(x, CultureInfo.InvariantCulture));
            results.Add(("fastText CLI (-maxn 0)", seconds, (double)words * epochs / seconds, cpu, prefix + ".vec"));
        }

        // Neighbour quality: top-10 overlap with each gensim run over the 200 commonest words after the 50 commonest;
        // for a gensim run, the overlap with the other seed (the level two equally good runs reach).
        var gensimRuns = results.Where(r => r.Name.StartsWith("gensim", StringComparison.Ordinal)).Select(r => (r.Name, Vectors: KeyedVectors.Load(r.Vectors))).ToList();
        var reference = gensimRuns[0].Vectors;
        var probes = reference.Words.Skip(50).Take(200).ToArray();
        var neighbours = gensimRuns.Select(g => probes.ToDictionary(w => w, w => g.Vectors.MostSimilar(w, 10).Select(s => s.Word).ToHashSet())).ToList();
        Console.WriteLine();
        Console.WriteLine($"| trainer | wall s | words/s (wall) | CPU s | words per CPU-second | top-10 neighbour overlap with gensim |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            using var kv = KeyedVectors.Load(r.Vectors);
            var overlaps = new List<double>();
            for (var g = 0; g < gensimRuns.Count; g++)
            {
                if (gensimRuns[g].Name == r.Name)
                {
                    continue;
                }

                overlaps.Add(probes.Where(kv.Contains).Average(w => kv.MostSimilar(w, 10).Count(s => neighbours[g][w].Contains(s.Word)) / 10.0));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {r.Name} | {r.Seconds:0.0} | {r.WordsPerSecond:N0} | {r.CpuSeconds:0.0} | {(double)words * epochs / r.CpuSeconds:N0} | {overlaps.Average():0.000} |"));
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"neighbours of 'god' (Qianru): {string.Join(", ", KeyedVectors.Load(results[0].Vectors).MostSimilar("god", 8).Select(s => s.Word))}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"neighbours of 'god' (gensim): {string.Join(", ", reference.MostSimilar("god", 8).Select(s => s.Word))}"));

        foreach (var g in gensimRuns)
        {
            g.Vectors.Dispose();
        }

        LoadBench(work, gloveWords);
        Directory.Delete(work, recursive: true);
        return 0;
    }

    private static void LoadBench(string work, int count)
    {
        // A GloVe-format file shaped like glove.6B.300d (300 dims, 6-7 significant digits per number).
        const int dim = 300;
        var path = Path.Combine(work, "glove.300d.txt");
        var random = new Random(1);
        using (var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20))
        {
            var sb = new StringBuilder();
            for (var i = 0; i < count; i++)
            {
                sb.Clear().Append('w').Append(i.ToString(CultureInfo.InvariantCulture));
                for (var k = 0; k < dim; k++)
                {
                    sb.Append(' ').Append(((random.NextDouble() - 0.5) * 1.6).ToString("0.######", CultureInfo.InvariantCulture));
                }

                writer.WriteLine(sb);
            }
        }

        var megabytes = new FileInfo(path).Length / 1e6;
        double best = double.MaxValue;
        for (var run = 0; run < 3; run++)
        {
            var watch = Stopwatch.StartNew();
            using var kv = KeyedVectors.Load(path);
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }

        var script = Path.Combine(work, "gensim_load.py");
        File.WriteAllText(script, "import sys, time\nfrom gensim.models import KeyedVectors\nt = time.time()\nKeyedVectors.load_word2vec_format(sys.argv[1], no_header=True)\nprint(time.time() - t)\n");
        var gensim = double.Parse(RunProcess("/usr/bin/python3", $"{script} {path}").Split('\n')[0], CultureInfo.InvariantCulture);

        var native = Path.Combine(work, "glove.qwv");
        using (var kv = KeyedVectors.Load(path))
        {
            kv.Save(native, WordVectorFormat.Native);
        }

        var nativeWatch = Stopwatch.StartNew();
        using (var kv = KeyedVectors.Load(native))
        {
            _ = kv.GetRow(kv.Count - 1)[0];
        }

        var nativeSeconds = nativeWatch.Elapsed.TotalSeconds;
        Console.WriteLine();
        Console.WriteLine($"GloVe text load: {count:N0} words × {dim}, {megabytes:0} MB");
        Console.WriteLine("| loader | seconds | MB/s |");
        Console.WriteLine("|---|---:|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| Qianru KeyedVectors.Load (best of 3) | {best:0.00} | {megabytes / best:0} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| gensim load_word2vec_format(no_header=True) | {gensim:0.00} | {megabytes / gensim:0} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| Qianru native .qwv (memory-mapped) | {nativeSeconds:0.000} | — |"));
    }

    private static (int Lines, long Words) BuildCorpus(string path, int tokens)
    {
        var tokenizer = CorpusTokenizer.Create("en");
        var lines = 0;
        long words = 0;
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        bool Add(string line)
        {
            var t = tokenizer.Tokenize(line);
            if (t.Count > 0)
            {
                writer.WriteLine(string.Join(' ', t));
                lines++;
                words += t.Count;
            }

            return words < tokens;
        }

        var kjv = RunProcess("/usr/bin/bible", "gen1:1-rev22:21");
        foreach (var line in kjv.Split('\n'))
        {
            // Drop the verse numbers at the start of a verse.
            if (!Add(line.TrimStart(' ', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9')))
            {
                return (lines, words);
            }
        }

        using var gz = new GZipStream(File.OpenRead("/usr/share/dictd/gcide.dict.dz"), CompressionMode.Decompress);
        using var reader = new StreamReader(gz);
        while (reader.ReadLine() is { } line)
        {
            if (line.Contains("[1913 Webster]", StringComparison.Ordinal))
            {
                continue;
            }

            if (!Add(line))
            {
                break;
            }
        }

        return (lines, words);
    }

    private static string RunProcess(string file, string arguments)
    {
        var info = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {file}");
        var stderr = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode}): {stderr.Result}");
        }

        return output;
    }

    private static int IntArg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string RuntimeInfo() => $"{System.Runtime.InteropServices.RuntimeInformation.OSDescription.Trim()}, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}";
}
