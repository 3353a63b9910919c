using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using Qianru.Cli.Infrastructure;
using Qianru.Cli.Search;
using Qianru.Similarity;

namespace Qianru.Cli.Commands;

/// <summary><c>qianru similarity</c>: scores documents against a query, as the tutorial's seed prints them.</summary>
internal sealed class SimilarityCommand : ICliCommand
{
    public Command Build(CliContext context)
    {
        var queryArgument = new Argument<string>("query") { Description = "The query text" };
        var docsArgument = new Argument<string[]>("docs") { Description = "Document texts", Arity = ArgumentArity.ZeroOrMore };
        var docsFileOption = new Option<string?>("--docs-file") { Description = "A file with one document per line (added after the DOC arguments)" };
        var metricOption = new Option<string[]>("--metric")
        {
            Description = "cosine, euclidean, dot, manhattan or all; comma-separated or repeated (default: cosine,euclidean)",
            AllowMultipleArgumentsPerToken = false,
        };
        var model = new ModelOptions();
        var formatOption = new Option<string>("--format") { Description = "table, jsonl or json", DefaultValueFactory = _ => "table" };
        formatOption.AcceptOnlyFromAmong("table", "jsonl", "json");
        var plotOption = new Option<string?>("--plot") { Description = "Also write a PNG heatmap of the cosine similarity of every pair of texts (query and documents), labelled with the texts" };

        var command = new Command("similarity", "Score documents against a query (cosine, Euclidean, dot, Manhattan)");
        command.Arguments.Add(queryArgument);
        command.Arguments.Add(docsArgument);
        command.Options.Add(docsFileOption);
        command.Options.Add(metricOption);
        model.AddTo(command, withProvider: true);
        command.Options.Add(formatOption);
        command.Options.Add(plotOption);
        command.SetAction((parse, cancellationToken) =>
        {
            SameFile.RefuseOverwrite(context, "--plot", parse.GetValue(plotOption), ("--docs-file", parse.GetValue(docsFileOption)));
            var query = parse.GetValue(queryArgument)!;
            var docs = new List<string>(parse.GetValue(docsArgument) ?? []);
            if (parse.GetValue(docsFileOption) is { } docsFile)
            {
                docs.AddRange(TextLineReader.ReadLines(context.ResolvePath(docsFile), docsFile, "--docs-file").Where(l => !string.IsNullOrWhiteSpace(l)));
            }

            if (docs.Count == 0)
            {
                throw new CliUsageException("give at least one document (DOC arguments or --docs-file)");
            }

            var metrics = MetricList.Parse(parse.GetValue(metricOption) ?? []);
            using var embedder = model.OpenTextEmbedder(parse, context);
            var queryVector = embedder.EmbedQuery(query);
            var docVectors = embedder.EmbedDocuments(docs);
            var scores = metrics.Select(m => VectorSimilarity.Compute(m, queryVector, docVectors)).ToArray();
            if (parse.GetValue(plotOption) is { } plot)
            {
                Plots.SimilarityHeatmap.Save(context.ResolvePath(plot), [query + " (query)", .. docs], [queryVector, .. docVectors], "cosine similarity", context.Error);
            }

            var format = parse.GetValue(formatOption);
            if (format == "table")
            {
                var header = new List<string> { "index" };
                header.AddRange(metrics.Select(VectorSimilarity.NameOf));
                header.Add("text");
                // The query against itself first, as the seed prints it.
                var rows = new List<string[]>();
                rows.Add(["query", .. metrics.Select(m => TableText.Number(VectorSimilarity.Compute(m, queryVector, queryVector))), query]);
                for (var i = 0; i < docs.Count; i++)
                {
                    rows.Add([i.ToString(System.Globalization.CultureInfo.InvariantCulture), .. scores.Select(s => TableText.Number(s[i])), docs[i]]);
                }

                TableText.Write(context.Out, header, rows);
                context.Out.WriteLine(string.Join("; ", metrics.Select(m => $"{VectorSimilarity.NameOf(m)}: {(VectorSimilarity.HigherIsCloser(m) ? "higher" : "lower")} is more similar")));
                return Task.FromResult(ExitCodes.Success);
            }

            var stdout = context.OpenStdoutStream();
            var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = format == "json" };
            using (var writer = new Utf8JsonWriter(stdout, options))
            {
                if (format == "json")
                {
                    writer.WriteStartObject();
                    writer.WriteString("query", query);
                    writer.WriteStartArray("results");
                }

                for (var i = 0; i < docs.Count; i++)
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("index", i);
                    writer.WriteString("text", docs[i]);
                    for (var m = 0; m < metrics.Length; m++)
                    {
                        writer.WriteNumber(VectorSimilarity.NameOf(metrics[m]), scores[m][i]);
                    }

                    writer.WriteEndObject();
                    if (format == "jsonl")
                    {
                        writer.Flush();
                        writer.Reset();
                        stdout.Write("\n"u8);
                    }
                }

                if (format == "json")
                {
                    writer.WriteEndArray();
                    writer.WriteEndObject();
                    writer.Flush();
                    stdout.Write("\n"u8);
                }
            }

            stdout.Flush();
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}
