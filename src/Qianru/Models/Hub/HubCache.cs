using System.Text.RegularExpressions;
using Qianru.IO;

namespace Qianru.Models.Hub;

/// <summary>
/// The huggingface_hub cache layout (<c>file_download.py</c>): <c>models--ORG--NAME/</c> holding <c>blobs/ETAG</c>
/// (the files, named by their ETag: the SHA-256 of LFS files, the git blob SHA-1 of the others),
/// <c>snapshots/COMMIT/PATH</c> (relative symbolic links into <c>blobs/</c>), <c>refs/REVISION</c> (the commit a
/// branch or tag pointed to, no newline) and <c>.locks/models--ORG--NAME/ETAG.lock</c>.
/// </summary>
/// <remarks>Reading never writes: a cache that Python filled is used in place, even when it is read-only.</remarks>
internal static partial class HubCache
{
    public const string DefaultRevision = "main";

    /// <summary>The tag huggingface_hub writes at the top of its cache (the Cache Directory Tagging standard).</summary>
    public const string CacheDirTag =
        "Signature: 8a477f597d28d172789f06886806bc55\n"
        + "# This file is a cache directory tag created by huggingface_hub.\n"
        + "# For information about cache directory tags, see:\n"
        + "#\thttps://bford.info/cachedir/\n";

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitPattern();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Pattern();

    [GeneratedRegex(@"^[A-Za-z0-9_]([A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?$")]
    private static partial Regex RepoPartPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.\-/]*$")]
    private static partial Regex RevisionPattern();

    /// <summary>Whether <paramref name="revision"/> is a full commit hash (40 lower-case hex digits).</summary>
    public static bool IsCommit(string revision) => CommitPattern().IsMatch(revision);

    public static bool IsSha256(string etag) => Sha256Pattern().IsMatch(etag);

    /// <summary>Whether <paramref name="repoId"/> is a valid Hub model id <c>ORG/NAME</c> (huggingface_hub <c>validate_repo_id</c>).</summary>
    public static bool IsRepoId(string repoId)
    {
        var parts = repoId.Split('/');
        return parts.Length == 2
            && parts.All(p => RepoPartPattern().IsMatch(p) && !p.Contains("--", StringComparison.Ordinal) && !p.Contains("..", StringComparison.Ordinal))
            && !repoId.EndsWith(".git", StringComparison.Ordinal);
    }

    /// <summary>Whether <paramref name="revision"/> is a branch, tag or commit name that is safe as a path under <c>refs/</c>.</summary>
    public static bool IsRevision(string revision) =>
        revision.Length <= 256 && RevisionPattern().IsMatch(revision) && !revision.Contains("..", StringComparison.Ordinal)
        && !revision.Contains("//", StringComparison.Ordinal) && !revision.EndsWith('/');

    /// <summary><c>models--ORG--NAME</c> under <paramref name="cacheFolder"/> (huggingface_hub <c>repo_folder_name</c>).</summary>
    public static string StorageFolder(string cacheFolder, string repoId) =>
        Path.Combine(cacheFolder, "models--" + repoId.Replace("/", "--", StringComparison.Ordinal));

    public static string SnapshotFolder(string storage, string commit) => Path.Combine(storage, "snapshots", commit);

    public static string BlobPath(string storage, string etag) => Path.Combine(storage, "blobs", etag);

    public static string LockPath(string cacheFolder, string repoId, string etag) =>
        Path.Combine(cacheFolder, ".locks", Path.GetFileName(StorageFolder(cacheFolder, repoId)), etag + ".lock");

    /// <summary>The path of a repository file inside a snapshot (the Hub's '/' separators made local).</summary>
    public static string PointerPath(string storage, string commit, string file) =>
        Path.Combine([SnapshotFolder(storage, commit), .. file.Split('/')]);

    /// <summary>The commit <paramref name="revision"/> names in the cache: itself when it is a commit, else <c>refs/REVISION</c>; null when unknown.</summary>
    public static string? ReadCommit(string storage, string revision)
    {
        if (IsCommit(revision))
        {
            return revision;
        }

        var refFile = Path.Combine([storage, "refs", .. revision.Split('/')]);
        try
        {
            return File.Exists(refFile) && File.ReadAllText(refFile).Trim() is var commit && IsCommit(commit) ? commit : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The snapshot folder of <paramref name="repoId"/> at <paramref name="revision"/> when the cache holds one with
    /// model weights (a partial snapshot, e.g. only config.json, does not count); reads only.
    /// </summary>
    public static (string Folder, string Commit)? FindSnapshot(string cacheFolder, string repoId, string revision)
    {
        var storage = StorageFolder(cacheFolder, repoId);
        if (!Directory.Exists(storage) || ReadCommit(storage, revision) is not { } commit)
        {
            return null;
        }

        var folder = SnapshotFolder(storage, commit);
        return Directory.Exists(folder) && WeightsOf(folder) is not null ? (folder, commit) : null;
    }

    /// <summary>
    /// The weights a snapshot or model folder holds, in the order Qianru loads them ("onnx", "safetensors",
    /// "pytorch"), or null. A link whose blob is missing does not count.
    /// </summary>
    public static string? WeightsOf(string folder)
    {
        bool Has(params string[] path) => FileExists(Path.Combine([folder, .. path]));
        return Has("model.onnx") || Has("onnx", "model.onnx") ? "onnx"
            : Has("model.safetensors") || Has("model.safetensors.index.json") ? "safetensors"
            : Has("pytorch_model.bin") || Has("pytorch_model.bin.index.json") ? "pytorch"
            : null;
    }

    /// <summary>Whether <paramref name="path"/> is a file, or a link whose final target is a file (File.Exists is true for a dangling link).</summary>
    public static bool FileExists(string path)
    {
        var info = new FileInfo(path);
        return info.LinkTarget is null ? info.Exists : info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo { Exists: true };
    }

    /// <summary>Every model snapshot in the cache that holds weights, newest first within a repository.</summary>
    public static IReadOnlyList<HubCachedModel> List(string cacheFolder)
    {
        var result = new List<HubCachedModel>();
        if (!Directory.Exists(cacheFolder))
        {
            return result;
        }

        foreach (var storage in Directory.EnumerateDirectories(cacheFolder, "models--*").Order(StringComparer.Ordinal))
        {
            var parts = Path.GetFileName(storage)["models--".Length..].Split("--");
            if (parts.Length != 2 || !IsRepoId(parts[0] + "/" + parts[1]))
            {
                continue;
            }

            var repoId = parts[0] + "/" + parts[1];
            var refs = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            var refsFolder = Path.Combine(storage, "refs");
            if (Directory.Exists(refsFolder))
            {
                foreach (var file in Directory.EnumerateFiles(refsFolder, "*", SearchOption.AllDirectories))
                {
                    var name = Path.GetRelativePath(refsFolder, file).Replace(Path.DirectorySeparatorChar, '/');
                    if (ReadCommit(storage, name) is { } commit)
                    {
                        (refs.TryGetValue(commit, out var names) ? names : refs[commit] = []).Add(name);
                    }
                }
            }

            var snapshots = Path.Combine(storage, "snapshots");
            if (!Directory.Exists(snapshots))
            {
                continue;
            }

            foreach (var folder in new DirectoryInfo(snapshots).EnumerateDirectories().OrderByDescending(d => d.LastWriteTimeUtc))
            {
                if (!IsCommit(folder.Name) || WeightsOf(folder.FullName) is not { } weights)
                {
                    continue;
                }

                long size = 0;
                var files = 0;
                foreach (var file in folder.EnumerateFiles("*", SearchOption.AllDirectories))
                {
                    files++;
                    size += file.LinkTarget is null ? file.Length : file.ResolveLinkTarget(returnFinalTarget: true) is FileInfo { Exists: true } target ? target.Length : 0;
                }

                result.Add(new HubCachedModel
                {
                    RepoId = repoId,
                    Commit = folder.Name,
                    Refs = refs.TryGetValue(folder.Name, out var names) ? [.. names.Order(StringComparer.Ordinal)] : [],
                    Folder = folder.FullName,
                    Files = files,
                    SizeBytes = size,
                    Weights = weights,
                });
            }
        }

        return result;
    }

    /// <summary>Points <c>refs/REVISION</c> at <paramref name="commit"/> (atomically, only when it changed); nothing for a commit revision.</summary>
    public static void WriteRef(string storage, string revision, string commit)
    {
        if (revision == commit)
        {
            return;
        }

        var refFile = Path.Combine([storage, "refs", .. revision.Split('/')]);
        if (File.Exists(refFile) && File.ReadAllText(refFile) == commit)
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(refFile)!);
        AtomicFile.WriteAllText(refFile, commit);
    }

    /// <summary>
    /// Makes <c>snapshots/COMMIT/FILE</c> a relative link to <c>blobs/ETAG</c> (<c>../../blobs/ETAG</c>, one more
    /// <c>../</c> per folder level of FILE), as huggingface_hub's <c>_create_symlink</c> does; copies where the
    /// file system has no symbolic links.
    /// </summary>
    public static void Link(string blob, string pointer)
    {
        var folder = Path.GetDirectoryName(pointer)!;
        Directory.CreateDirectory(folder);
        var relative = Path.GetRelativePath(folder, blob);
        var existing = new FileInfo(pointer);
        if (existing.LinkTarget is { } target && target == relative)
        {
            return;
        }

        if (existing.Exists || existing.LinkTarget is not null)
        {
            existing.Delete();
        }

        try
        {
            File.CreateSymbolicLink(pointer, relative);
        }
        catch (Exception ex) when (OperatingSystem.IsWindows() && ex is IOException or UnauthorizedAccessException)
        {
            // Windows without Developer Mode cannot make symbolic links; huggingface_hub then copies the blob.
            File.Copy(blob, pointer, overwrite: true);
        }
    }

    /// <summary>Writes <c>CACHEDIR.TAG</c> at the top of the cache unless it is there (best effort, as huggingface_hub).</summary>
    public static void TagCacheFolder(string cacheFolder)
    {
        var tag = Path.Combine(cacheFolder, "CACHEDIR.TAG");
        try
        {
            if (!File.Exists(tag))
            {
                File.WriteAllText(tag, CacheDirTag);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
