using System.CommandLine;
using Qianru.Cli.Embedding;
using Qianru.Cli.Infrastructure;

namespace Qianru.Cli.Commands;

/// <summary>
/// <c>qianru embed</c>: texts to vectors, streamed in windows (memory does not grow with the input), optionally one
/// shard of the input (<c>--shard I/N</c>) and continuing an interrupted jsonl output (<c>--resume</c>).
/// </summary>
internal sealed class EmbedCommand : ICliCommand
{
    /// <summary>Texts per window by default.</summary>
    public const int DefaultWindow = 10_000;

    public Command Build(CliContext context)
    {
        var input = new TextInput(argumentDescription: "Texts to embed (or use --input).");
        var model = new ModelOptions();
        var batchSize = new Option<int>("--batch-size") { Description = "Texts per model call; texts are sorted by length first.", DefaultValueFactory = _ => 32 }.InRange(1, EmbedOptions.MaxBatchSize);
        var prompt = new Option<string?>("--prompt") { Description = "Text put before every input, e.g. the BGE-zh query instruction \"为这个句子生成表示以用于检索相关文章：\"." };
        var promptName = new Option<string?>("--prompt-name") { Description = "A prompt of the model by name, e.g. query." };
        var noNormalize = new Option<bool>("--no-normalize") { Description = "Do not L2-normalize (default: the model's setting)." };
        var dimensions = new Option<int?>("--dimensions") { Description = "Keep the first N dimensions (Matryoshka), re-normalized; at most the model's dimensions." }.InRange(1, 65_536);
        var format = new Option<string>("--format", "-f") { Description = "Output format (npy on standard output holds all vectors until the end; give --output FILE.npy to stream).", DefaultValueFactory = _ => "jsonl" };
        format.AcceptOnlyFromAmong(VectorOutput.Formats);
        var output = new Option<string?>("--output", "-o") { Description = "Write to FILE instead of standard output (not the input file)." };
        var window = new Option<int>("--window")
        {
            Description = "Texts read, sorted by length and embedded at a time; the output keeps input order and memory grows with the window, not the input. Shards and --resume count in windows: use one value for all runs of a job.",
            DefaultValueFactory = _ => DefaultWindow,
        }.InRange(1, 1_000_000);
        var shard = new Option<string?>("--shard")
        {
            Description = "I/N: embed only shard I (0 to N-1) of N, for N machines with no coordinator. The input file's windows are split into N contiguous runs, so the jsonl outputs of shards 0..N-1 concatenated are the unsharded output; every row keeps its index in the whole input.",
        };
        var resume = new Option<bool>("--resume")
        {
            Description = "Continue the jsonl --output an interrupted run left (a cut last row and an unfinished window are redone), or start it when it does not exist; the result is the file an uninterrupted run writes.",
        };
        var provider = Providers.RemoteEmbed.ProviderOption();

        var command = new Command("embed", "Embed texts with a local model and print the vectors.");
        input.AddTo(command);
        model.AddTo(command);
        foreach (var o in new Option[] { batchSize, prompt, promptName, noNormalize, dimensions, format, output, window, shard, resume, provider })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, cancel) =>
        {
            var args = input.CheckSources(parse);
            var inputFile = parse.GetValue(input.Input);
            if (args.Length == 0 && inputFile is null)
            {
                throw TextInput.NoTexts(null);
            }

            var fmt = parse.GetValue(format)!;
            var outFile = parse.GetValue(output);
            SameFile.RefuseOverwrite(context, "--output", outFile, ("--input", inputFile));
            var shardSpec = parse.GetValue(shard) is { } s ? ShardSpec.Parse(s) : (ShardSpec?)null;
            var resuming = parse.GetValue(resume);
            if (resuming && (fmt != "jsonl" || outFile is null or "-"))
            {
                throw new CliUsageException("--resume continues a jsonl file: give --output FILE with --format jsonl.");
            }

            var remote = parse.GetValue(provider) == "openai";
            if (remote && (parse.GetValue(prompt) is not null || parse.GetValue(promptName) is not null || parse.GetValue(noNormalize)))
            {
                throw new CliUsageException("--provider openai: --prompt, --prompt-name and --no-normalize work with local models only.");
            }

            using var texts = args.Length > 0 ? TextWindows.FromList(args, parse.GetValue(window)) : TextWindows.FromInput(inputFile!, context, parse.GetValue(window));
            if (shardSpec is not null && (inputFile == "-" || !texts.CanSeek))
            {
                throw new CliUsageException("--shard needs --input FILE (a file every machine reads in full), not standard input.");
            }

            // The part of the input this run embeds: all of it, or the shard's run of whole windows.
            long start = 0, end = long.MaxValue;
            if (shardSpec is { } part)
            {
                var total = texts.Count(cancel);
                var (firstWindow, endWindow) = part.Windows((total + texts.WindowSize - 1) / texts.WindowSize);
                (start, end) = (firstWindow * texts.WindowSize, Math.Min(endWindow * texts.WindowSize, total));
            }
            else if (texts.CanSeek && context.ErrorIsTerminal)
            {
                end = texts.Count(cancel); // for the progress bar
            }

            texts.Select(start, Math.Min(end, texts.Total ?? long.MaxValue));
            var kept = resuming ? Resume(texts, context.ResolvePath(outFile!), outFile!, start) : default;

            // The first window is read before the model loads, so a bad input fails at once.
            var hasWindow = texts.TryReadWindow(out var first, out var window0);
            if (!hasWindow && shardSpec is null && kept.Rows == 0)
            {
                throw TextInput.NoTexts(inputFile);
            }

            using var embedder = Open(parse, context, model, remote, parse.GetValue(dimensions));
            if (kept.Rows > 0 && embedder.Dimensions is { } d && kept.Dimensions != d)
            {
                throw new InvalidDataException($"--resume: {outFile} holds vectors of {kept.Dimensions} dimensions but this run makes {d} (another --model or --dimensions?). Remove it, or run without --resume.");
            }

            if (kept.Rows > 0)
            {
                context.Error.WriteLine($"qianru: resuming {outFile} after {kept.Rows} rows, at text {kept.LastIndex + 1}.");
            }

            var options = new EmbedOptions
            {
                BatchSize = parse.GetValue(batchSize),
                Prompt = parse.GetValue(prompt),
                PromptName = parse.GetValue(promptName),
                Normalize = parse.GetValue(noNormalize) ? false : null,
                Dimensions = parse.GetValue(dimensions),
            };

            using var vectors = VectorOutput.Open(fmt, outFile, context, append: resuming, embedder.Dimensions);
            long done = 0, truncated = 0, mostlyUnknown = 0;
            var expected = texts.End == long.MaxValue ? 0 : texts.End - texts.Next + window0.Count;
            using (var progress = ProgressBar.Start(context, (int)Math.Min(expected, int.MaxValue)))
            {
                for (var windowTexts = window0; hasWindow; hasWindow = texts.TryReadWindow(out first, out windowTexts))
                {
                    var result = embedder.Embed(windowTexts, options, cancel);
                    truncated += result.Truncated;
                    mostlyUnknown += result.MostlyUnknown;
                    vectors.Write(first, windowTexts, result.Vectors);
                    done += windowTexts.Count;
                    progress.Report((int)Math.Min(done, int.MaxValue));
                }
            }

            vectors.Complete(context);
            if (embedder.Local is { } local)
            {
                EmbeddingWarnings.Write(context.Error, local.Model, truncated, mostlyUnknown, done);
            }

            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    /// <summary>Cuts the output back to whole windows, checks its last kept row against the input, and moves the input past it.</summary>
    private static JsonlResume.Kept Resume(TextWindows texts, string path, string outFile, long start)
    {
        var kept = JsonlResume.CutBack(path, outFile, start, texts.End, texts.WindowSize);
        if (kept.Rows == 0)
        {
            return kept;
        }

        texts.SkipTo(kept.LastIndex);
        var text = texts.ReadOne();
        if (text != kept.LastText)
        {
            throw new InvalidDataException($"--resume: {outFile} is not the output of this input: its row for text {kept.LastIndex} holds {Preview(kept.LastText)} but the input's text {kept.LastIndex} is {Preview(text)}. Remove it, or run without --resume.");
        }

        return kept;
    }

    private static string Preview(string? text) => text is null ? "nothing" : text.Length <= 40 ? $"\"{text}\"" : $"\"{text[..40]}…\"";

    private static WindowEmbedder Open(ParseResult parse, CliContext context, ModelOptions model, bool remote, int? dimensions)
    {
        if (remote)
        {
            return new WindowEmbedder(null, model.CreateGenerator(parse, context, "openai", dimensions), dimensions);
        }

        var local = model.Load(parse, context);
        if (dimensions is { } d && d > local.Model.Dimensions)
        {
            local.Dispose();
            throw new CliUsageException($"--dimensions {d}: model {local.Model.Id} has {local.Model.Dimensions} dimensions.");
        }

        return new WindowEmbedder(local, null, dimensions ?? local.Model.Dimensions);
    }

    /// <summary>A local model or a remote API, embedding one window at a time.</summary>
    private sealed class WindowEmbedder(SentenceEmbedder? local, Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>>? remote, int? dimensions) : IDisposable
    {
        public SentenceEmbedder? Local => local;

        /// <summary>The vector length, when known before embedding (a local model, or --dimensions).</summary>
        public int? Dimensions => dimensions;

        public (IReadOnlyList<float[]> Vectors, int Truncated, int MostlyUnknown) Embed(List<string> texts, EmbedOptions options, CancellationToken cancellationToken)
        {
            if (local is not null)
            {
                var batch = local.Encode(texts, options, null, cancellationToken);
                return (batch.Vectors, batch.TruncatedCount, batch.MostlyUnknownCount);
            }

            var result = remote!.GenerateAsync(texts, cancellationToken: cancellationToken).GetAwaiter().GetResult();
            return ([.. result.Select(e => e.Vector.ToArray())], 0, 0);
        }

        public void Dispose()
        {
            local?.Dispose();
            remote?.Dispose();
        }
    }
}
