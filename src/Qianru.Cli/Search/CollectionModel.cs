using Microsoft.Extensions.AI;
using Qianru.Cli.Infrastructure;
using Qianru.WordVectors;

namespace Qianru.Cli.Search;

/// <summary>The model behind a collection: a local model id or folder, or sentence vectors from word vectors (<c>words:FILE</c>).</summary>
internal static class CollectionModel
{
    public static bool IsWords(string id) => id.StartsWith("words:", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The model for adding to or searching <paramref name="collection"/>: <paramref name="explicitModel"/> (--model)
    /// when given, else where the collection's model was loaded from (a folder, a words: spec), else its id.
    /// </summary>
    public static IEmbeddingGenerator<string, Embedding<float>> OpenFor(Qianru.Collections.VectorCollection collection, string? explicitModel, CliContext context)
    {
        if (explicitModel is not null)
        {
            return Open(explicitModel, context);
        }

        if (collection.Info.ModelSource is { } source)
        {
            var path = IsWords(source) ? source[6..].Split('#')[0] : source;
            if (!Directory.Exists(path) && !File.Exists(path))
            {
                throw new CliUsageException($"the model of {collection.Location} was loaded from {path}, which no longer exists; pass --model with its new location");
            }

            return Open(source, context);
        }

        return Open(collection.Info.ModelId, context);
    }

    /// <summary>What to record as a collection's model source for --model <paramref name="id"/>: an absolute folder or words: spec; null for embedded ids.</summary>
    public static string? SourceOf(string id, CliContext context)
    {
        if (IsWords(id))
        {
            var spec = id[6..];
            var hash = spec.LastIndexOf('#');
            return "words:" + context.ResolvePath(hash > 0 ? spec[..hash] : spec) + (hash > 0 ? spec[hash..] : "");
        }

        return Qianru.Models.EmbeddedModels.Find(id) is null && Directory.Exists(context.ResolvePath(id)) ? context.ResolvePath(id) : null;
    }

    public static IEmbeddingGenerator<string, Embedding<float>> Open(string id, CliContext context)
    {
        if (!IsWords(id))
        {
            return SentenceEmbedder.Create(Qianru.Models.EmbeddedModels.Find(id) is null && Directory.Exists(context.ResolvePath(id)) ? context.ResolvePath(id) : id);
        }

        return WordVectorSentenceEmbedder.Create(SourceOf(id, context)!);
    }
}
