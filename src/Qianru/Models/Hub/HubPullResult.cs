namespace Qianru.Models.Hub;

/// <summary>What <see cref="HuggingFaceHub.PullAsync"/> did: where the snapshot is and what it fetched.</summary>
public sealed record HubPullResult
{
    /// <summary>The Hub id, <c>ORG/NAME</c>.</summary>
    public required string RepoId { get; init; }

    /// <summary>The revision asked for (<c>main</c> by default).</summary>
    public required string Revision { get; init; }

    /// <summary>The commit that revision resolved to.</summary>
    public required string Commit { get; init; }

    /// <summary>The snapshot folder, a model folder that <see cref="SentenceEmbedder.Create(string?, EmbedderOptions?)"/> loads.</summary>
    public required string Folder { get; init; }

    /// <summary>The repository files the snapshot holds for Qianru (configuration, tokenizer, modules, one weight format).</summary>
    public required IReadOnlyList<string> Files { get; init; }

    /// <summary>How many of <see cref="Files"/> were downloaded now (the others were cached).</summary>
    public required int Downloaded { get; init; }

    /// <summary>The bytes downloaded now.</summary>
    public required long DownloadedBytes { get; init; }

    /// <summary>The bytes of every file in <see cref="Files"/>.</summary>
    public required long TotalBytes { get; init; }
}
