namespace Qianru.Models;

/// <summary>A <see cref="ModelSpec"/> with its files found (<see cref="ModelSpec.Resolve"/>): what loaders open.</summary>
public sealed record ResolvedModel
{
    /// <summary>The spec this was resolved from.</summary>
    public required ModelSpec Spec { get; init; }

    /// <summary>The kind of model.</summary>
    public ModelSpecKind Kind => Spec.Kind;

    /// <summary>The embedded model (<see cref="ModelSpecKind.Embedded"/>).</summary>
    public EmbeddedModel? Embedded { get; init; }

    /// <summary>The model folder: the folder itself, or a Hub model's snapshot folder in the Hugging Face cache.</summary>
    public string? Folder { get; init; }

    /// <summary>The commit of a Hub model's snapshot (40 hex digits).</summary>
    public string? Commit { get; init; }

    /// <summary>
    /// The id to show and to name the model by: the embedded id, the Hub id <c>ORG/NAME</c> (also for a snapshot
    /// folder of the Hugging Face cache given as a path), the folder's name, or the words: spec.
    /// </summary>
    public string Id => Kind switch
    {
        ModelSpecKind.Embedded => Spec.EmbeddedId!,
        ModelSpecKind.Hub => Spec.RepoId!,
        ModelSpecKind.Folder => CachedRepoId(Folder!) ?? System.IO.Path.GetFileName(Folder!.TrimEnd(System.IO.Path.DirectorySeparatorChar, System.IO.Path.AltDirectorySeparatorChar)),
        _ => Spec.ToString(),
    };

    /// <summary>
    /// The spec that finds exactly this model again, as collections record it: null for an embedded model, the
    /// full folder path, <c>words:FILE[#pooling]</c> with a full path, or <c>ORG/NAME@COMMIT</c> for a Hub model
    /// (reopened from the cache without the network).
    /// </summary>
    public string? Source => Kind switch
    {
        ModelSpecKind.Embedded => null,
        ModelSpecKind.Hub => $"{Spec.RepoId}@{Commit}",
        _ => Spec.ToString(),
    };

    /// <summary><c>ORG/NAME</c> when <paramref name="folder"/> is <c>…/models--ORG--NAME/snapshots/COMMIT</c>.</summary>
    private static string? CachedRepoId(string folder)
    {
        var snapshot = new DirectoryInfo(folder);
        if (snapshot.Parent is not { Name: "snapshots" } snapshots || snapshots.Parent is not { } storage
            || !Hub.HubCache.IsCommit(snapshot.Name) || !storage.Name.StartsWith("models--", StringComparison.Ordinal))
        {
            return null;
        }

        var parts = storage.Name["models--".Length..].Split("--");
        return parts.Length == 2 && Hub.HubCache.IsRepoId($"{parts[0]}/{parts[1]}") ? $"{parts[0]}/{parts[1]}" : null;
    }
}
