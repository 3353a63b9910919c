using System.CommandLine;
using System.Globalization;
using Qianru.Cli.Infrastructure;
using Qianru.Cli.Search;
using Qianru.Collections;

namespace Qianru.Cli.Commands;

/// <summary><c>qianru search DB QUERY</c>: semantic search in a collection.</summary>
internal sealed class SearchCommand : ICliCommand
{
    public Command Build(CliContext context)
    {
        var db = IndexCommand.DbArgument();
        var query = new Argument<string>("query") { Description = "The query text (embedded with the model's query prompt where it has one)" };
        var k = new Option<int>("--k") { Description = "How many results (1 to 10,000)", DefaultValueFactory = _ => 5 };
        var ef = new Option<int?>("--ef") { Description = "HNSW ef_search, raised to k (1 to 10,000; PostgreSQL: at most 1,000; default 128)" };
        var format = new Option<string>("--format") { Description = "table or jsonl", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "jsonl");
        var mode = new Option<string>("--index") { Description = "auto (HNSW from 10,000 items), exact or hnsw", DefaultValueFactory = _ => "auto" };
        mode.AcceptOnlyFromAmong("auto", "exact", "hnsw");
        var model = IndexCommand.ModelOption("The model folder, when it moved since the collection was created (default: the collection's model)");
        var command = new Command("search", "Search a collection: id, score, text and metadata of the closest items") { db, query, k, format, mode, ef, model };
        command.SetAction(async (parse, cancellationToken) =>
        {
            SearchLimits.CheckK(parse.GetValue(k));
            SearchLimits.CheckEf("--ef", parse.GetValue(ef));
            using var collection = CollectionLocation.Open(parse.GetValue(db)!, context, readOnly: true);
            using var embedder = CollectionModel.OpenFor(collection, parse.GetValue(model), context);
            var options = new CollectionSearchOptions { Mode = Enum.Parse<CollectionIndexMode>(parse.GetValue(mode)!, ignoreCase: true), Ef = parse.GetValue(ef) };
            var hits = await collection.SearchAsync(parse.GetValue(query)!, embedder, parse.GetValue(k), options, cancellationToken);
            if (parse.GetValue(format) == "table")
            {
                TableText.Write(
                    context.Out,
                    ["rank", "score", "id", "text"],
                    hits.Select((h, i) => new[] { (i + 1).ToString(CultureInfo.InvariantCulture), TableText.Number(h.Score), h.Id, h.Text ?? "" }));
                return ExitCodes.Success;
            }

            JsonLines.Write(context.OpenStdoutStream(), hits, (writer, hit) =>
            {
                writer.WriteString("id", hit.Id);
                writer.WriteNumber("score", hit.Score);
                writer.WriteString("text", hit.Text);
                writer.WritePropertyName("metadata");
                if (hit.Metadata is null)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    writer.WriteRawValue(hit.Metadata);
                }
            });
            return ExitCodes.Success;
        });
        return command;
    }
}
