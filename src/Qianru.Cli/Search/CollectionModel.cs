using Microsoft.Extensions.AI;
using Qianru.Cli.Infrastructure;
using Qianru.WordVectors;

namespace Qianru.Cli.Search;

/// <summary>The model behind a collection: a local model id or folder, or sentence vectors from word vectors (<c>words:FILE</c>).</summary>
internal static class CollectionModel
{
    public static bool IsWords(string id) => id.StartsWith("words:", StringComparison.OrdinalIgnoreCase);

    public static IEmbeddingGenerator<string, Embedding<float>> Open(string id, CliContext context)
    {
        if (!IsWords(id))
        {
            return SentenceEmbedder.Create(Qianru.Models.EmbeddedModels.Find(id) is null && Directory.Exists(context.ResolvePath(id)) ? context.ResolvePath(id) : id);
        }

        var spec = id[6..];
        var hash = spec.LastIndexOf('#');
        return WordVectorSentenceEmbedder.Create("words:" + context.ResolvePath(hash > 0 ? spec[..hash] : spec) + (hash > 0 ? spec[hash..] : ""));
    }
}
