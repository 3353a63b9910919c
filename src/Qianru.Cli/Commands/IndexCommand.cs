using System.CommandLine;
using Microsoft.Extensions.AI;
using Qianru.Cli.Infrastructure;
using Qianru.Cli.Search;
using Qianru.Collections;
using Qianru.Similarity;

namespace Qianru.Cli.Commands;

/// <summary><c>qianru index create|add|info|rebuild</c>: a persistent collection of texts and vectors, in a SQLite file or PostgreSQL.</summary>
internal sealed class IndexCommand : ICliCommand
{
    public Command Build(CliContext context)
    {
        return new Command("index", "Manage a persistent collection of texts, metadata and vectors: one SQLite file, or a table in PostgreSQL with pgvector")
        {
            BuildCreate(context),
            BuildAdd(context),
            BuildInfo(context),
            BuildRebuild(context),
        };
    }

    internal static Argument<string> DbArgument() => new("db") { Description = CollectionLocation.Description };

    internal static Option<string?> ModelOption(string description) => new("--model") { Description = description };

    private static Command BuildCreate(CliContext context)
    {
        var db = DbArgument();
        var model = new ModelOptions();
        var metric = new Option<string>("--metric") { Description = "How vectors are compared and scores reported: cosine, dot or euclidean", DefaultValueFactory = _ => "cosine" };
        metric.AcceptOnlyFromAmong("cosine", "dot", "euclidean");
        var precision = new Option<string>("--precision") { Description = "Stored vectors: float32, or float16 (PostgreSQL halfvec: half the space)", DefaultValueFactory = _ => "float32" };
        precision.AcceptOnlyFromAmong("float32", "float16");
        var command = new Command("create", "Create an empty collection for a model") { db, metric, precision };
        model.AddTo(command);
        command.SetAction(parse =>
        {
            var location = parse.GetValue(db)!;
            var settings = (Metric: VectorSimilarity.ParseMetric(parse.GetValue(metric)!), Half: parse.GetValue(precision) == "float16");
            if (!VectorCollection.IsPostgresUri(location) && File.Exists(context.ResolvePath(location)))
            {
                throw new QianruException($"{context.ResolvePath(location)} already exists; add to it with 'qianru index add', or choose another file");
            }

            if (settings.Half && !VectorCollection.IsPostgresUri(location))
            {
                throw new CliUsageException("--precision float16 is for PostgreSQL collections (halfvec); SQLite collections store float32");
            }

            using var collection = CreateCollection(location, parse, context, model, settings.Metric, settings.Half);
            context.Out.WriteLine($"created {collection.Location}: model {collection.Info.ModelId}, {collection.Info.Dimensions} dimensions, {(collection.Info.Normalized ? "normalized" : "not normalized")}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command BuildAdd(CliContext context)
    {
        var db = DbArgument();
        var input = new Option<string>("--input") { Description = "Text lines, or .jsonl with \"text\" and optional \"id\" and \"metadata\"; - for stdin", Required = true };
        var batchSize = new Option<int>("--batch-size") { Description = "Texts per batch, one transaction each", DefaultValueFactory = _ => 32 }.InRange(1, CollectionAddOptions.MaxBatchSize);
        var onConflict = new Option<string>("--on-conflict")
        {
            Description = "An id already stored with other text or metadata: replace it (default), skip the new item, or stop with an error (same content is always skipped)",
            DefaultValueFactory = _ => "replace",
        };
        onConflict.AcceptOnlyFromAmong("replace", "skip", "error");
        var model = ModelOption("The model folder, when it moved since the collection was created (default: the collection's model)");
        var command = new Command("add", "Embed texts and add them; re-running resumes an interrupted add without duplicates") { db, input, batchSize, onConflict, model };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new CollectionAddOptions
            {
                BatchSize = parse.GetValue(batchSize),
                OnConflict = Enum.Parse<ConflictPolicy>(parse.GetValue(onConflict)!, ignoreCase: true),
            };
            using var collection = CollectionLocation.Open(parse.GetValue(db)!, context);
            if (collection.IsReadOnly)
            {
                throw new QianruException($"{collection.Location}: the collection is read-only (the file or its folder cannot be written); it can be searched but not changed");
            }

            var inputPath = parse.GetValue(input)!;
            var items = CollectionInput.Read(inputPath, context);
            using var embedder = CollectionModel.OpenFor(collection, parse.GetValue(model), context);
            CollectionAddResult result;
            using (var progress = ProgressBar.Start(context, items.Count))
            {
                result = await collection.AddAsync(items, embedder, options, progress, cancellationToken);
            }

            context.Out.WriteLine($"added {result.Added}, replaced {result.Replaced}, skipped {result.Skipped} already present; {collection.Count} items in {collection.Location}");
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
            using var collection = CollectionLocation.Open(parse.GetValue(db)!, context, readOnly: true);
            var index = collection.IndexInfo;
            var indexState = index.Status switch
            {
                CollectionIndexStatus.None => "none (built on demand)",
                CollectionIndexStatus.Stale => "stale (rebuilt on demand)",
                CollectionIndexStatus.Damaged => "damaged: checksum mismatch (rebuilt on demand)",
                _ => "fresh",
            };
            context.Out.WriteLine($"path:        {collection.Location}");
            context.Out.WriteLine($"model:       {collection.Info.ModelId}");
            if (collection.Info.ModelSource is { } source)
            {
                context.Out.WriteLine($"loaded from: {source}");
            }

            context.Out.WriteLine($"fingerprint: {collection.Info.Fingerprint ?? "none yet (recorded by the next add)"}");
            context.Out.WriteLine($"dimensions:  {collection.Info.Dimensions}{(collection.Info.HalfPrecision ? " (float16)" : "")}");
            context.Out.WriteLine($"normalized:  {(collection.Info.Normalized ? "yes" : "no")}");
            context.Out.WriteLine($"metric:      {VectorSimilarity.NameOf(collection.Info.Metric)}");
            context.Out.WriteLine($"items:       {collection.Count}");
            context.Out.WriteLine($"generation:  {collection.Generation}");
            context.Out.WriteLine($"hnsw index:  {indexState} ({index.Location})");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command BuildRebuild(CliContext context)
    {
        var db = DbArgument();
        var command = new Command("rebuild", "Rebuild the HNSW index (a SQLite collection's cache file, or pgvector's index) from the stored vectors") { db };
        command.SetAction(parse =>
        {
            using var collection = CollectionLocation.Open(parse.GetValue(db)!, context);
            var count = collection.RebuildIndex();
            context.Out.WriteLine($"indexed {count} vectors into {collection.IndexInfo.Location}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static VectorCollection CreateCollection(string location, ParseResult parse, CliContext context, ModelOptions model, SimilarityMetric metric, bool half)
    {
        var threads = model.ThreadCount(parse);
        var resolved = ModelFactory.Resolve(parse.GetValue(model.Model), context);
        if (resolved.Kind == Qianru.Models.ModelSpecKind.WordVectors)
        {
            // Sentence vectors from word vectors: the collection records the vectors file as its model.
            using var words = ModelFactory.OpenGenerator(resolved);
            var meta = words.GetService<EmbeddingGeneratorMetadata>()!;
            return CollectionLocation.Create(location, new CollectionInfo(meta.DefaultModelId!, meta.DefaultModelDimensions!.Value, false)
            {
                ModelSource = CollectionModel.SourceOf(resolved),
                Metric = metric,
                HalfPrecision = half,
            }, context);
        }

        using var embedder = ModelFactory.OpenSentenceEmbedder(resolved, threads);
        return CollectionLocation.Create(location, new CollectionInfo(embedder.Model.Id, embedder.Model.Dimensions, embedder.Model.Normalize)
        {
            ModelSource = CollectionModel.SourceOf(resolved),
            Fingerprint = embedder.Model.Fingerprint,
            Metric = metric,
            HalfPrecision = half,
        }, context);
    }
}
