using System.CommandLine;
using System.Globalization;
using Qianru.Cli.Infrastructure;
using Qianru.Cli.Search;
using Qianru.Search;

namespace Qianru.Cli.Commands;

/// <summary><c>qianru paraphrase</c>: the most similar pairs of texts within one list (sentence-transformers' paraphrase_mining).</summary>
internal sealed class ParaphraseCommand : ICliCommand
{
    public Command Build(CliContext context)
    {
        var input = new TextInput(argumentDescription: "Texts to compare with each other (or use --input).");
        var topK = new Option<int>("--top-k") { Description = "Neighbours of each text considered (as sentence-transformers' top_k).", DefaultValueFactory = _ => 100 }.InRange(1, 10_000);
        var maxPairs = new Option<int>("--max-pairs") { Description = "The most pairs to print, best first.", DefaultValueFactory = _ => 100 }.InRange(1, 10_000_000);
        var minScore = new Option<float?>("--min-score") { Description = "Print only pairs with at least this cosine similarity, e.g. 0.9 for near-duplicates." }.InRange(-1f, 1f);
        var model = new ModelOptions();
        var format = new Option<string>("--format") { Description = "table or jsonl", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "jsonl");

        var command = new Command("paraphrase", "Find the most similar pairs of texts in one list (paraphrase mining; near-duplicates with --min-score)");
        input.AddTo(command);
        command.Options.Add(topK);
        command.Options.Add(maxPairs);
        command.Options.Add(minScore);
        model.AddTo(command, withProvider: true);
        command.Options.Add(format);
        command.SetAction((parse, cancellationToken) =>
        {
            var texts = input.Read(parse, context);
            if (texts.Count < 2)
            {
                throw new CliUsageException("give at least two texts to pair up");
            }

            VectorMatrix vectors;
            using (var embedder = model.OpenTextEmbedder(parse, context))
            using (var progress = ProgressBar.Start(context, texts.Count))
            {
                vectors = embedder.EmbedMatrix(texts, progress, cancellationToken);
            }

            var pairs = SemanticSearch.MineParaphrases(vectors, new ParaphraseMiningOptions { TopK = parse.GetValue(topK), MaxPairs = parse.GetValue(maxPairs) }, cancellationToken)
                .Where(p => parse.GetValue(minScore) is not { } floor || p.Score >= floor)
                .ToList();
            if (parse.GetValue(format) == "table")
            {
                TableText.Write(
                    context.Out,
                    ["score", "i", "j", "text i", "text j"],
                    pairs.Select(p => new[] { TableText.Number(p.Score), p.First.ToString(CultureInfo.InvariantCulture), p.Second.ToString(CultureInfo.InvariantCulture), texts[p.First], texts[p.Second] }));
                context.Error.WriteLine($"{pairs.Count} pairs of {texts.Count} texts (cosine similarity, best first)");
                return Task.FromResult(ExitCodes.Success);
            }

            JsonLines.Write(context.OpenStdoutStream(), pairs, (writer, p) =>
            {
                writer.WriteNumber("score", p.Score);
                writer.WriteNumber("i", p.First);
                writer.WriteNumber("j", p.Second);
                writer.WriteString("text_i", texts[p.First]);
                writer.WriteString("text_j", texts[p.Second]);
            });
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}
