namespace Qianru.Models.Hub;

/// <summary>A model snapshot found in the Hugging Face cache (<see cref="HuggingFaceHub.ListCached"/>).</summary>
public sealed record HubCachedModel
{
    /// <summary>The Hub id, <c>ORG/NAME</c>.</summary>
    public required string RepoId { get; init; }

    /// <summary>The commit the snapshot holds (40 hex digits).</summary>
    public required string Commit { get; init; }

    /// <summary>The branches or tags (<c>refs/</c>) that point at this commit, e.g. <c>main</c>; empty when none does.</summary>
    public required IReadOnlyList<string> Refs { get; init; }

    /// <summary>The snapshot folder, <c>…/models--ORG--NAME/snapshots/COMMIT</c>.</summary>
    public required string Folder { get; init; }

    /// <summary>How many files the snapshot holds.</summary>
    public required int Files { get; init; }

    /// <summary>The bytes of those files (the blobs they link to).</summary>
    public required long SizeBytes { get; init; }

    /// <summary>The weight format Qianru would load: <c>onnx</c>, <c>safetensors</c> or <c>pytorch</c>.</summary>
    public required string Weights { get; init; }
}
