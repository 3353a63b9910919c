using System.Diagnostics;

namespace Qianru.Models.Hub;

/// <summary>
/// Models from the Hugging Face Hub, kept in the cache Python's huggingface_hub uses, laid out as it lays it out:
/// a model that sentence-transformers or LangChain already downloaded is used in place, and what Qianru downloads
/// Python tools see too.
/// </summary>
/// <remarks>
/// <para>Thread-safe; concurrent pulls of the same file (also from Python or another process) wait on the file
/// lock huggingface_hub uses, <c>.locks/models--ORG--NAME/ETAG.lock</c>.</para>
/// <para>Reference: huggingface_hub <c>file_download.py</c> (cache layout, ETag blob names, redirects, headers)
/// and <c>constants.py</c> (environment variables); <see href="https://huggingface.co/docs/huggingface_hub/guides/manage-cache"/>.</para>
/// </remarks>
public static class HuggingFaceHub
{
    /// <summary>
    /// Downloads what a sentence-embedding model needs from <paramref name="repoId"/> at <paramref name="revision"/>
    /// (default <c>main</c>) into the cache: configuration and tokenizer files, the sentence-transformers module
    /// folders named in <c>modules.json</c>, and one weight format — <c>model.safetensors</c> (or its shards), else
    /// <c>onnx/model.onnx</c> (with <c>onnx/model.onnx_data</c>), else <c>pytorch_model.bin</c> (or its shards).
    /// </summary>
    /// <remarks>
    /// Files already in the cache are not downloaded again. An interrupted download resumes (HTTP Range on the
    /// blob's <c>.incomplete</c> file); every file is checked against its ETag (SHA-256 for LFS files, the git blob
    /// hash for the others) before it becomes a blob, and a file that fails is deleted. Then the snapshot links
    /// and <c>refs/REVISION</c> are written.
    /// </remarks>
    /// <exception cref="QianruException">
    /// An invalid id, offline mode, the model or revision not found, no access (401/403: set HF_TOKEN), no network,
    /// a full disk or a corrupt file; the message says which in one line.
    /// </exception>
    public static async Task<HubPullResult> PullAsync(
        string repoId, string? revision = null, HubOptions? options = null, IProgress<HubDownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repoId);
        options ??= HubOptions.FromEnvironment();
        revision = string.IsNullOrWhiteSpace(revision) ? HubCache.DefaultRevision : revision.Trim();
        CheckIds(repoId, revision);
        if (options.Offline)
        {
            throw new QianruException($"{repoId}: cannot download while HF_HUB_OFFLINE is set; unset it (or set it to 0) to pull.");
        }

        var client = new HubClient(options);
        var (commit, siblings) = await client.GetRevisionAsync(repoId, revision, cancellationToken).ConfigureAwait(false);
        var storage = HubCache.StorageFolder(options.CacheFolder, repoId);
        var names = siblings.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var sizes = siblings.ToDictionary(s => s.Name, s => s.Size, StringComparer.Ordinal);
        try
        {
            Directory.CreateDirectory(storage);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new QianruException($"{repoId}: cannot write the Hugging Face cache {options.CacheFolder} ({ex.Message}); set HF_HUB_CACHE to a writable folder.", ex);
        }

        HubCache.TagCacheFolder(options.CacheFolder);
        var tracker = new Tracker(repoId, progress);
        var first = HubFileSelection.First(names);
        tracker.Total = Sum(first, sizes);
        foreach (var file in first)
        {
            await FetchAsync(client, storage, repoId, commit, file, tracker, sizes, cancellationToken).ConfigureAwait(false);
        }

        var rest = HubFileSelection.Rest($"{repoId}@{revision}", names, file => ReadSnapshotFile(storage, commit, file, first));
        var all = first.Concat(rest).ToList();
        tracker.Total = Sum(all, sizes);
        CheckFreeSpace(options.CacheFolder, repoId, rest.Where(f => HubCacheMissing(storage, commit, f)).Sum(f => sizes.GetValueOrDefault(f) ?? 0));
        foreach (var file in rest)
        {
            await FetchAsync(client, storage, repoId, commit, file, tracker, sizes, cancellationToken).ConfigureAwait(false);
        }

        HubCache.WriteRef(storage, revision, commit);
        return new HubPullResult
        {
            RepoId = repoId,
            Revision = revision,
            Commit = commit,
            Folder = HubCache.SnapshotFolder(storage, commit),
            Files = all,
            Downloaded = tracker.Downloaded,
            DownloadedBytes = tracker.DownloadedBytes,
            TotalBytes = tracker.Done,
        };
    }

    /// <summary>Synchronous <see cref="PullAsync"/>.</summary>
    public static HubPullResult Pull(string repoId, string? revision = null, HubOptions? options = null, IProgress<HubDownloadProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => PullAsync(repoId, revision, options, progress, cancellationToken), cancellationToken).GetAwaiter().GetResult();

    /// <summary>
    /// The cached snapshot folder of <paramref name="repoId"/> at <paramref name="revision"/> (a branch or tag through
    /// <c>refs/</c>, or a commit), when it holds model weights; null otherwise. Reads only, never the network.
    /// </summary>
    public static string? FindCached(string repoId, string? revision = null, HubOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(repoId);
        options ??= HubOptions.FromEnvironment();
        revision = string.IsNullOrWhiteSpace(revision) ? HubCache.DefaultRevision : revision.Trim();
        CheckIds(repoId, revision);
        return HubCache.FindSnapshot(options.CacheFolder, repoId, revision)?.Folder;
    }

    /// <summary>Every model snapshot with weights in the cache (<see cref="HubOptions.CacheFolder"/>). Reads only.</summary>
    public static IReadOnlyList<HubCachedModel> ListCached(HubOptions? options = null) =>
        HubCache.List((options ?? HubOptions.FromEnvironment()).CacheFolder);

    internal static void CheckIds(string repoId, string revision)
    {
        if (!HubCache.IsRepoId(repoId))
        {
            throw new QianruException($"'{repoId}': not a Hugging Face model id; give ORG/NAME as in the model page's address, e.g. BAAI/bge-small-zh-v1.5.");
        }

        if (!HubCache.IsRevision(revision))
        {
            throw new QianruException($"{repoId}@{revision}: not a valid revision; give a branch, tag or commit hash.");
        }
    }

    private static async Task FetchAsync(
        HubClient client, string storage, string repoId, string commit, string file, Tracker tracker, Dictionary<string, long?> sizes, CancellationToken cancellationToken)
    {
        tracker.Start(file, sizes.GetValueOrDefault(file));
        var (downloaded, size) = await client.FetchAsync(storage, repoId, commit, file, sizes.GetValueOrDefault(file), tracker.Bytes, cancellationToken).ConfigureAwait(false);
        tracker.Finish(size, downloaded);
    }

    private static long? Sum(IEnumerable<string> files, Dictionary<string, long?> sizes)
    {
        long total = 0;
        foreach (var f in files)
        {
            if (sizes.GetValueOrDefault(f) is not { } size)
            {
                return null;
            }

            total += size;
        }

        return total;
    }

    private static bool HubCacheMissing(string storage, string commit, string file) =>
        !HubCache.FileExists(HubCache.PointerPath(storage, commit, file));

    private static string? ReadSnapshotFile(string storage, string commit, string file, IReadOnlyList<string> fetched) =>
        fetched.Contains(file) && HubCache.FileExists(HubCache.PointerPath(storage, commit, file)) ? File.ReadAllText(HubCache.PointerPath(storage, commit, file)) : null;

    private static void CheckFreeSpace(string cacheFolder, string repoId, long needed)
    {
        long free;
        try
        {
            free = new DriveInfo(cacheFolder).AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return;
        }

        if (free >= 0 && needed > free)
        {
            throw new QianruException($"{repoId}: disk full: the download needs {needed / 1e6:F1} MB but {cacheFolder} has {free / 1e6:F1} MB free; free some space or set HF_HUB_CACHE to a folder on another disk.");
        }
    }

    /// <summary>Adds up the bytes of a pull for progress reports, throttled to about ten a second per file.</summary>
    private sealed class Tracker(string repoId, IProgress<HubDownloadProgress>? progress)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private string _file = "";
        private long? _fileTotal;
        private long _lastReport = -1000;

        public long? Total { get; set; }

        public long Done { get; private set; }

        public int Downloaded { get; private set; }

        public long DownloadedBytes { get; private set; }

        public void Start(string file, long? size)
        {
            _file = file;
            _fileTotal = size;
        }

        public void Bytes(long fileBytes, long? fileTotal)
        {
            _fileTotal = fileTotal ?? _fileTotal;
            var now = _clock.ElapsedMilliseconds;
            if (progress is null || (now - _lastReport < 100 && fileBytes != fileTotal && fileBytes != 0))
            {
                return;
            }

            _lastReport = now;
            progress.Report(new HubDownloadProgress(repoId, _file, fileBytes, _fileTotal, Done + fileBytes, Total));
        }

        public void Finish(long size, long downloaded)
        {
            Done += size;
            if (downloaded > 0)
            {
                Downloaded++;
                DownloadedBytes += downloaded;
            }
        }
    }
}
