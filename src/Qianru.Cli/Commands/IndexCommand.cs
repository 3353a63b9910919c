using Microsoft.Extensions.AI;
using System.CommandLine;
using Qianru.Cli.Infrastructure;
using Qianru.Cli.Search;
using Qianru.Collections;

namespace Qianru.Cli.Commands;

/// <summary><c>qianru index create|add|info|rebuild</c>: a persistent SQLite collection of texts and vectors.</summary>
internal sealed class IndexCommand : ICliCommand
{
    public Command Build(CliContext context)
    {
        var command = new Command("index", "Manage a persistent collection (one SQLite file) of texts, metadata and vectors");
        command.Subcommands.Add(BuildCreate(context));
        command.Subcommands.Add(BuildAdd(context));
        command.Subcommands.Add(BuildInfo(context));
        command.Subcommands.Add(BuildRebuild(context));
        return command;
    }

    internal static Argument<string> DbArgument() => new("db") { Description = "The collection file (SQLite)" };

    internal static Option<string?> ModelOption(string description) => new("--model") { Description = description };

    private static Command BuildCreate(CliContext context)
    {
        var db = DbArgument();
        var model = new ModelOptions();
        var command = new Command("create", "Create an empty collection for a model") { db };
        model.AddTo(command);
        command.SetAction(parse =>
        {
            var path = context.ResolvePath(parse.GetValue(db)!);
            if (File.Exists(path))
            {
                throw new QianruException($"{path} already exists; add to it with 'qianru index add', or choose another file");
            }

            using var collection = CreateCollection(path, parse, context, model);
            context.Out.WriteLine($"created {path}: model {collection.Info.ModelId}, {collection.Info.Dimensions} dimensions, {(collection.Info.Normalized ? "normalized" : "not normalized")}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command BuildAdd(CliContext context)
    {
        var db = DbArgument();
        var input = new Option<string>("--input") { Description = "Text lines, or .jsonl with \"text\" and optional \"id\" and \"metadata\"; - for stdin", Required = true };
        var batchSize = new Option<int>("--batch-size") { Description = "Texts per batch (one transaction each)", DefaultValueFactory = _ => 32 }.InRange(1, EmbedOptions.MaxBatchSize);
        var model = ModelOption("The model folder, when it moved since the collection was created (default: the collection's model)");
        var command = new Command("add", "Embed texts and add them; re-running resumes an interrupted add without duplicates") { db, input, batchSize, model };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(batchSize) < 1)
            {
                throw new CliUsageException($"--batch-size must be at least 1 (got {parse.GetValue(batchSize)})");
            }

            using var collection = VectorCollection.Open(context.ResolvePath(parse.GetValue(db)!));
            var inputPath = parse.GetValue(input)!;
            var items = CollectionInput.Read(inputPath, context);
            using var embedder = CollectionModel.OpenFor(collection, parse.GetValue(model), context);
            CollectionAddResult result;
            using (var progress = ProgressBar.Start(context, items.Count))
            {
                result = await collection.AddAsync(items, embedder, parse.GetValue(batchSize), progress, cancellationToken);
            }

            context.Out.WriteLine($"added {result.Added}, skipped {result.Skipped} already present; {collection.Count} items in {collection.Path}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command BuildInfo(CliContext context)
    {
        var db = DbArgument();
        var command = new Command("info", "Show a collection's model, size and index state") { db };
        command.SetAction(parse =>
        {
            using var collection = VectorCollection.Open(context.ResolvePath(parse.GetValue(db)!));
            var indexState = !File.Exists(collection.IndexPath) ? "none (built on demand)" : collection.IsIndexStale ? "stale (rebuilt on demand)" : "fresh";
            context.Out.WriteLine($"path:        {collection.Path}");
            context.Out.WriteLine($"model:       {collection.Info.ModelId}");
            if (collection.Info.ModelSource is { } source)
            {
                context.Out.WriteLine($"loaded from: {source}");
            }

            context.Out.WriteLine($"dimensions:  {collection.Info.Dimensions}");
            context.Out.WriteLine($"normalized:  {(collection.Info.Normalized ? "yes" : "no")}");
            context.Out.WriteLine($"items:       {collection.Count}");
            context.Out.WriteLine($"generation:  {collection.Generation}");
            context.Out.WriteLine($"hnsw index:  {indexState} ({collection.IndexPath})");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command BuildRebuild(CliContext context)
    {
        var db = DbArgument();
        var command = new Command("rebuild", "Rebuild the HNSW index cache file from the stored vectors") { db };
        command.SetAction(parse =>
        {
            using var collection = VectorCollection.Open(context.ResolvePath(parse.GetValue(db)!));
            var count = collection.RebuildIndex();
            context.Out.WriteLine($"indexed {count} vectors into {collection.IndexPath}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static VectorCollection CreateCollection(string path, ParseResult parse, CliContext context, ModelOptions model)
    {
        var threads = model.ThreadCount(parse);
        var resolved = ModelFactory.Resolve(parse.GetValue(model.Model), context);
        if (resolved.Kind == Qianru.Models.ModelSpecKind.WordVectors)
        {
            // Sentence vectors from word vectors: the collection records the vectors file as its model.
            using var words = ModelFactory.OpenGenerator(resolved);
            var meta = words.GetService<EmbeddingGeneratorMetadata>()!;
            return VectorCollection.Create(path, new CollectionInfo(meta.DefaultModelId!, meta.DefaultModelDimensions!.Value, false) { ModelSource = CollectionModel.SourceOf(resolved) });
        }

        using var embedder = ModelFactory.OpenSentenceEmbedder(resolved, threads);
        return VectorCollection.Create(path, new CollectionInfo(embedder.Model.Id, embedder.Model.Dimensions, embedder.Model.Normalize) { ModelSource = CollectionModel.SourceOf(resolved) });
    }
}
