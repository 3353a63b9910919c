namespace Qianru.Models.Hub;

/// <summary>How far a download from the Hub is, reported to an <see cref="IProgress{T}"/> as bytes arrive.</summary>
/// <param name="RepoId">The model being downloaded, <c>ORG/NAME</c>.</param>
/// <param name="File">The repository file now downloading, e.g. <c>model.safetensors</c>.</param>
/// <param name="FileBytes">Bytes of <paramref name="File"/> on disk so far (a resumed download starts above 0).</param>
/// <param name="FileTotal">The size of <paramref name="File"/>, or null when the server did not say.</param>
/// <param name="Bytes">Bytes of every file of this pull on disk so far.</param>
/// <param name="Total">The bytes of every file to download, or null while unknown.</param>
public readonly record struct HubDownloadProgress(string RepoId, string File, long FileBytes, long? FileTotal, long Bytes, long? Total);
