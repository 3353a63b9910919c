using Microsoft.Extensions.AI;
using Qianru.Models;
using Qianru.WordVectors;

namespace Qianru.Cli.Infrastructure;

/// <summary>
/// The one way the CLI turns a <c>--model</c> spec into a model: <see cref="ModelSpec"/> resolves it (relative paths
/// against the working directory, Hub models from the Hugging Face cache or downloaded with a progress bar on
/// stderr), then this opens it as a <see cref="SentenceEmbedder"/> or, for <c>words:</c> specs, a
/// <see cref="WordVectorSentenceEmbedder"/>.
/// </summary>
internal static class ModelFactory
{
    /// <summary>Resolves <paramref name="spec"/> as the commands take it, downloading a Hub model that is not cached.</summary>
    public static ResolvedModel Resolve(string? spec, CliContext context, CancellationToken cancellationToken = default) =>
        Resolve(ModelSpec.Parse(spec, context.WorkingDirectory), context, cancellationToken);

    /// <summary>Resolves a parsed spec, with the Hugging Face settings of <paramref name="context"/> and a progress bar for a download.</summary>
    public static ResolvedModel Resolve(ModelSpec parsed, CliContext context, CancellationToken cancellationToken = default)
    {
        if (parsed.Kind != ModelSpecKind.Hub)
        {
            return parsed.Resolve(cancellationToken: cancellationToken);
        }

        using var progress = DownloadProgress.Start(context);
        return parsed.Resolve(new ModelResolveOptions { Hub = context.HubOptions(), Progress = progress }, cancellationToken);
    }

    /// <summary>Any model as an embedding generator: word vectors or a Transformer model.</summary>
    public static IEmbeddingGenerator<string, Embedding<float>> OpenGenerator(ResolvedModel model, int? threads = null) =>
        model.Kind == ModelSpecKind.WordVectors
            ? WordVectorSentenceEmbedder.Create(model)
            : SentenceEmbedder.Create(model, new EmbedderOptions { Threads = threads });

    /// <summary>A Transformer model; a words: spec is refused with the commands that take it.</summary>
    public static SentenceEmbedder OpenSentenceEmbedder(ResolvedModel model, int? threads = null) =>
        model.Kind == ModelSpecKind.WordVectors
            ? throw new CliUsageException($"--model {model.Spec.Text}: word vectors give sentence vectors to similarity, cluster, index and search only; this command needs a Transformer model ({EmbeddedModels.DefaultId}, a model folder or a Hugging Face model id).")
            : SentenceEmbedder.Create(model, new EmbedderOptions { Threads = threads });
}
