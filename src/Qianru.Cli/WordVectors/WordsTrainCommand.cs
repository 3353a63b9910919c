using System.CommandLine;
using System.Globalization;
using Qianru.Cli.Infrastructure;
using Qianru.WordVectors;

namespace Qianru.Cli.WordVectors;

/// <summary><c>qianru words train --corpus FILE --output FILE.vec ...</c>: word2vec/fastText training.</summary>
internal static class WordsTrainCommand
{
    public static Command Build(CliContext context)
    {
        var corpus = new Option<string>("--corpus") { Description = "Training text, one sentence (or paragraph) per line", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "Vectors file to write (.vec/.txt word2vec text, .bin binary, .qwv native: keeps subwords)", Required = true };
        var model = new Option<string>("--model") { Description = "skipgram or cbow", DefaultValueFactory = _ => "skipgram" };
        var dim = new Option<int>("--dim") { Description = "Vector length", DefaultValueFactory = _ => 100 }.InRange(1, Word2VecOptions.MaxDimensions);
        var window = new Option<int>("--window") { Description = "Context window (randomly shrunk per word)", DefaultValueFactory = _ => 5 }.InRange(1, 1000);
        var minCount = new Option<int>("--min-count") { Description = "Drop words seen fewer times", DefaultValueFactory = _ => 5 }.InRange(1, int.MaxValue);
        var epochs = new Option<int>("--epochs") { Description = "Passes over the corpus", DefaultValueFactory = _ => 5 }.InRange(1, 10_000);
        var neg = new Option<int>("--neg") { Description = "Negative samples per pair", DefaultValueFactory = _ => 5 }.InRange(1, 1000);
        var sample = new Option<double>("--sample") { Description = "Frequent-word subsampling threshold (0: off)", DefaultValueFactory = _ => 1e-3 }.InRange(0, 1);
        var alpha = new Option<double>("--alpha") { Description = "Starting learning rate (decays linearly to 0.0001)", DefaultValueFactory = _ => 0.025 }.AboveUpTo(0, 1);
        var threads = new Option<int>("--threads") { Description = "Worker threads (lock-free updates); 0: one per core", DefaultValueFactory = _ => 0 }.InRange(0, Word2VecOptions.MaxThreads);
        var seed = new Option<int>("--seed") { Description = "Random seed (reproducible with --threads 1)", DefaultValueFactory = _ => 1 };
        var subwords = new Option<bool>("--subwords") { Description = "Learn fastText character n-grams so unseen words get vectors (save as .qwv to keep them)" };
        var minn = new Option<int>("--minn") { Description = "Shortest n-gram with --subwords", DefaultValueFactory = _ => 3 }.InRange(1, 100);
        var maxn = new Option<int>("--maxn") { Description = "Longest n-gram with --subwords (at least --minn)", DefaultValueFactory = _ => 6 }.InRange(1, 100);
        var bucket = new Option<int>("--bucket") { Description = "n-gram hash buckets with --subwords; --bucket × --dim floats must fit in memory (checked before training)", DefaultValueFactory = _ => 2_000_000 }.InRange(1, Word2VecOptions.MaxBucket);
        var lang = new Option<string>("--lang") { Description = "Tokenization: en (lower-cased words), zh (jieba segmentation) or auto (jieba for lines with Han characters)", DefaultValueFactory = _ => "en" };
        var command = new Command("train", "Train word2vec (skip-gram/CBOW, negative sampling) or fastText-style subword vectors on a text file");
        foreach (var o in new Option[] { corpus, output, model, dim, window, minCount, epochs, neg, sample, alpha, threads, seed, subwords, minn, maxn, bucket, lang })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, cancellationToken) =>
        {
            var architecture = parse.GetValue(model)!.ToLowerInvariant() switch
            {
                "skipgram" or "sg" or "skip-gram" => Word2VecArchitecture.SkipGram,
                "cbow" => Word2VecArchitecture.Cbow,
                var m => throw new CliUsageException($"--model must be skipgram or cbow, got '{m}'"),
            };
            Word2VecOptions options;
            try
            {
                options = new Word2VecOptions
                {
                    Architecture = architecture,
                    Dimensions = parse.GetValue(dim),
                    Window = parse.GetValue(window),
                    MinCount = parse.GetValue(minCount),
                    Epochs = parse.GetValue(epochs),
                    Negative = parse.GetValue(neg),
                    Sample = parse.GetValue(sample),
                    Alpha = parse.GetValue(alpha),
                    Threads = parse.GetValue(threads) is var t && t == 0 ? Environment.ProcessorCount : t,
                    Seed = parse.GetValue(seed),
                    Subwords = parse.GetValue(subwords),
                    MinN = parse.GetValue(minn),
                    MaxN = parse.GetValue(maxn),
                    Bucket = parse.GetValue(bucket),
                };
            }
            catch (ArgumentOutOfRangeException ex)
            {
                throw new CliUsageException(ex.Message.Split(" (Parameter")[0]);
            }

            if (options.Subwords && options.MinN > options.MaxN)
            {
                throw new CliUsageException($"--minn {options.MinN}: above --maxn {options.MaxN}; the shortest n-gram cannot be longer than the longest.");
            }

            var tokenizer = CorpusTokenizer.Create(parse.GetValue(lang));
            var corpusPath = context.ResolvePath(parse.GetValue(corpus)!);
            TextLineReader.OpenFile(corpusPath, parse.GetValue(corpus)!, "--corpus").Dispose();

            SameFile.RefuseOverwrite(context, "--output", parse.GetValue(output), ("--corpus", parse.GetValue(corpus)));
            var outPath = context.ResolvePath(parse.GetValue(output)!);
            var format = WordScoreWriter.FormatFromPath(outPath);
            var sentences = TextLineReader.ReadLines(corpusPath, parse.GetValue(corpus)!, "--corpus").Select(tokenizer.Tokenize);
            var bar = context.ErrorIsTerminal ? new ProgressLine(context.Error) : null;
            var watch = System.Diagnostics.Stopwatch.StartNew();
            Word2VecProgress last = default;
            var progress = new InlineProgress(p =>
            {
                last = p;
                bar?.Draw(p);
            });
            using var kv = Word2VecTrainer.Train(sentences, options, progress, cancellationToken);
            bar?.Finish();
            kv.Save(outPath, format);
            if (options.Subwords && format != WordVectorFormat.Native)
            {
                context.Error.WriteLine($"note: {format} keeps only the word vectors; save as .qwv to keep the subword n-grams for unseen words");
            }

            context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"trained {kv.Count} words × {kv.Dimensions} ({architecture}{(options.Subwords ? " + subwords" : "")}) in {watch.Elapsed.TotalSeconds:0.0} s, {last.WordsPerSecond:0} words/s, final loss {last.Loss:0.000}; wrote {format} to {outPath}"));
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    private sealed class InlineProgress(Action<Word2VecProgress> action) : IProgress<Word2VecProgress>
    {
        public void Report(Word2VecProgress value) => action(value);
    }

    private sealed class ProgressLine(TextWriter error)
    {
        public void Draw(Word2VecProgress p)
        {
            const int width = 30;
            var filled = (int)(p.Fraction * width);
            error.Write(string.Create(CultureInfo.InvariantCulture,
                $"\r[{new string('#', filled)}{new string('.', width - filled)}] {100 * p.Fraction,5:0.0}% epoch {p.Epoch} {p.WordsPerSecond / 1000,7:0.0}k words/s loss {p.Loss:0.0000} lr {p.Alpha:0.00000}"));
        }

        public void Finish() => error.WriteLine();
    }
}
