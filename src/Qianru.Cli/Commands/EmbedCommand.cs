using System.CommandLine;
using Qianru.Cli.Embedding;
using Qianru.Cli.Infrastructure;

namespace Qianru.Cli.Commands;

/// <summary><c>qianru embed</c>: texts to vectors.</summary>
internal sealed class EmbedCommand : ICliCommand
{
    public Command Build(CliContext context)
    {
        var input = new TextInput(argumentDescription: "Texts to embed (or use --input).");
        var model = new ModelOptions();
        var batchSize = new Option<int>("--batch-size") { Description = "Texts per model call; texts are sorted by length first.", DefaultValueFactory = _ => 32 };
        var prompt = new Option<string?>("--prompt") { Description = "Text put before every input, e.g. the BGE-zh query instruction \"为这个句子生成表示以用于检索相关文章：\"." };
        var promptName = new Option<string?>("--prompt-name") { Description = "A prompt of the model by name, e.g. query." };
        var noNormalize = new Option<bool>("--no-normalize") { Description = "Do not L2-normalize (default: the model's setting)." };
        var dimensions = new Option<int?>("--dimensions") { Description = "Keep the first N dimensions (Matryoshka), re-normalized." };
        var format = new Option<string>("--format", "-f") { Description = "Output format.", DefaultValueFactory = _ => "jsonl" };
        format.AcceptOnlyFromAmong(VectorOutput.Formats);
        var output = new Option<string?>("--output", "-o") { Description = "Write to FILE instead of standard output." };
        var provider = Providers.RemoteEmbed.ProviderOption();

        var command = new Command("embed", "Embed texts with a local model and print the vectors.");
        input.AddTo(command);
        model.AddTo(command);
        foreach (var o in new Option[] { batchSize, prompt, promptName, noNormalize, dimensions, format, output, provider })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, cancel) =>
        {
            var texts = input.Read(parse, context);
            if (parse.GetValue(batchSize) < 1)
            {
                throw new CliUsageException($"--batch-size {parse.GetValue(batchSize)}: must be at least 1.");
            }

            if (parse.GetValue(dimensions) is < 1)
            {
                throw new CliUsageException($"--dimensions {parse.GetValue(dimensions)}: must be at least 1.");
            }

            if (parse.GetValue(provider) == "openai")
            {
                return Task.FromResult(Providers.RemoteEmbed.Run(parse, context, model, texts, parse.GetValue(dimensions), parse.GetValue(format)!, parse.GetValue(output), cancel,
                    localOnly: parse.GetValue(prompt) is not null || parse.GetValue(promptName) is not null || parse.GetValue(noNormalize)));
            }

            using var embedder = model.Load(parse, context);
            if (parse.GetValue(dimensions) is { } d && d > embedder.Model.Dimensions)
            {
                throw new CliUsageException($"--dimensions {d}: model {embedder.Model.Id} has {embedder.Model.Dimensions} dimensions.");
            }

            var options = new EmbedOptions
            {
                BatchSize = parse.GetValue(batchSize),
                Prompt = parse.GetValue(prompt),
                PromptName = parse.GetValue(promptName),
                Normalize = parse.GetValue(noNormalize) ? false : null,
                Dimensions = parse.GetValue(dimensions),
            };

            EmbeddingBatch batch;
            using (var progress = ProgressBar.Start(context, texts.Count))
            {
                batch = embedder.Encode(texts, options, progress, cancel);
            }

            EmbeddingWarnings.Write(context.Error, embedder, batch);
            VectorOutput.Write(parse.GetValue(format)!, parse.GetValue(output), context, texts, batch.Vectors);
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}
