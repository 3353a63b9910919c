using Microsoft.Extensions.AI;
using Qianru.Cli.Infrastructure;
using Qianru.Models;

namespace Qianru.Cli.Search;

/// <summary>
/// The model behind a collection: an embedded id, a model folder, a Hugging Face model (recorded as
/// <c>ORG/NAME@COMMIT</c>, reopened from the Hugging Face cache) or sentence vectors from word vectors (<c>words:FILE</c>).
/// </summary>
internal static class CollectionModel
{
    /// <summary>
    /// The model for adding to or searching <paramref name="collection"/>: <paramref name="explicitModel"/> (--model)
    /// when given, else where the collection's model was loaded from (<see cref="Qianru.Collections.CollectionInfo.ModelSource"/>), else its id.
    /// </summary>
    public static IEmbeddingGenerator<string, Embedding<float>> OpenFor(Qianru.Collections.VectorCollection collection, string? explicitModel, CliContext context)
    {
        if (explicitModel is not null)
        {
            return ModelFactory.OpenGenerator(ModelFactory.Resolve(explicitModel, context));
        }

        if (collection.Info.ModelSource is { } source)
        {
            if (Path.IsPathRooted(source) && !Directory.Exists(source))
            {
                throw Moved(collection, source);
            }

            var spec = ModelSpec.Parse(source, context.WorkingDirectory);
            if (spec.Kind == ModelSpecKind.WordVectors && !File.Exists(spec.Path))
            {
                throw Moved(collection, spec.Path!);
            }

            return ModelFactory.OpenGenerator(ModelFactory.Resolve(spec, context));
        }

        return ModelFactory.OpenGenerator(ModelFactory.Resolve(collection.Info.ModelId, context));
    }

    /// <summary>What a collection records as its model's source (<see cref="ResolvedModel.Source"/>): null for embedded ids.</summary>
    public static string? SourceOf(ResolvedModel model) => model.Source;

    private static CliUsageException Moved(Qianru.Collections.VectorCollection collection, string path) =>
        new($"the model of {collection.Location} was loaded from {path}, which no longer exists; pass --model with its new location");
}
