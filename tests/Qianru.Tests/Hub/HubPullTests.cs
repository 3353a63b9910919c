using System.Text;
using Qianru.Models;
using Qianru.Models.Hub;
using Qianru.Tests.Support;

namespace Qianru.Tests.Hub;

/// <summary>
/// <see cref="HuggingFaceHub.PullAsync"/> against a Hub on loopback (<see cref="TestHub"/>): the cache it writes is
/// huggingface_hub's, downloads resume, corrupt files are never placed, errors are one clear line, and a pulled
/// model loads offline with the embedded model's vectors.
/// </summary>
public sealed class HubPullTests : IAsyncLifetime
{
    private const string Repo = "test-org/minilm-hub";
    private readonly string _cache = Path.Combine(Path.GetTempPath(), "qianru-tests", "hf-" + Guid.NewGuid().ToString("N")[..8]);
    private TestHub _hub = null!;

    public async Task InitializeAsync() => _hub = await TestHub.StartAsync();

    public async Task DisposeAsync()
    {
        await _hub.DisposeAsync();
        if (Directory.Exists(_cache))
        {
            SetMode(_cache, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

            Directory.Delete(_cache, recursive: true);
        }
    }

    private HubOptions Options(string? token = null, bool offline = false, Uri? endpoint = null) =>
        new() { CacheFolder = _cache, Endpoint = endpoint ?? _hub.Endpoint, Token = token, Offline = offline };

    private string Storage(string repo = Repo) => Path.Combine(_cache, "models--" + repo.Replace("/", "--", StringComparison.Ordinal));

    /// <summary>The files a user would download: the MiniLM folder plus the copies Qianru must not fetch.</summary>
    private static Dictionary<string, byte[]> Junk() => new()
    {
        ["README.md"] = "# test model\n"u8.ToArray(),
        [".gitattributes"] = "*.onnx filter=lfs\n"u8.ToArray(),
        ["tf_model.h5"] = new byte[1000],
        ["flax_model.msgpack"] = new byte[1000],
        ["rust_model.ot"] = new byte[1000],
        ["pytorch_model.bin"] = new byte[1000],
        ["onnx/model_quantized.onnx"] = new byte[1000],
        ["onnx/model_O4.onnx"] = new byte[1000],
        ["openvino/openvino_model.xml"] = "<net/>"u8.ToArray(),
        ["openvino/openvino_model.bin"] = new byte[1000],
        ["coreml/model.mlmodel"] = new byte[1000],
    };

    private string ServeMiniLm(string repo = Repo, string? token = null) =>
        _hub.AddCommit(repo, ModelFolders.Create(new ModelFolders.Spec { OnnxInSubfolder = true, TokenizerJson = true }), token: token, extraFiles: Junk());

    private string ServeSmall(string repo, string branch = "main", string pooling = "mean", string? token = null, bool gated = false) =>
        _hub.AddCommit(repo, new Dictionary<string, byte[]>
        {
            ["config.json"] = Encoding.UTF8.GetBytes($"{{\"model_type\": \"bert\", \"hidden_size\": 8, \"note\": \"{branch}\"}}"),
            ["modules.json"] = "[{\"idx\":0,\"name\":\"0\",\"path\":\"\",\"type\":\"sentence_transformers.models.Transformer\"},{\"idx\":1,\"name\":\"1\",\"path\":\"1_Pooling\",\"type\":\"sentence_transformers.models.Pooling\"}]"u8.ToArray(),
            ["1_Pooling/config.json"] = Encoding.UTF8.GetBytes($"{{\"pooling_mode\": \"{pooling}\"}}"),
            ["vocab.txt"] = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n"u8.ToArray(),
            ["model.safetensors"] = [.. Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7 + branch.Length))],
        }, branch, token, gated);

    [Fact]
    public async Task A_pull_writes_the_cache_as_huggingface_hub_does_and_loads_offline_with_the_embedded_vectors()
    {
        var commit = ServeMiniLm();
        var reports = new List<HubDownloadProgress>();
        var result = await HuggingFaceHub.PullAsync(Repo, options: Options(), progress: new SyncProgress<HubDownloadProgress>(reports.Add));

        var storage = Storage();
        var snapshot = Path.Combine(storage, "snapshots", commit);
        Assert.Equal(commit, result.Commit);
        Assert.Equal(snapshot, result.Folder);
        Assert.Equal(commit, File.ReadAllText(Path.Combine(storage, "refs", "main")));
        Assert.Equal(HubCache.CacheDirTag, File.ReadAllText(Path.Combine(_cache, "CACHEDIR.TAG")));

        // Only what the model needs: no TF/Flax/Rust/OpenVINO/Core ML copies, no other ONNX variants, no PyTorch
        // weights beside the ONNX export, no README.
        string[] expected =
        [
            "1_Pooling/config.json", "config.json", "modules.json", "onnx/model.onnx", "sentence_bert_config.json",
            "tokenizer.json", "tokenizer_config.json", "vocab.txt",
        ];
        Assert.Equal(expected, result.Files.Order(StringComparer.Ordinal));
        Assert.Equal(expected, Directory.EnumerateFiles(snapshot, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(snapshot, f)).Order(StringComparer.Ordinal));
        foreach (var junk in Junk().Keys)
        {
            Assert.Empty(_hub.RequestsFor(junk));
        }

        // Snapshot entries are relative links into blobs/, named by ETag: SHA-256 for LFS files, git blob SHA-1 for the others.
        var onnxBytes = File.ReadAllBytes(Path.Combine(snapshot, "onnx", "model.onnx"));
        var onnxLink = new FileInfo(Path.Combine(snapshot, "onnx", "model.onnx"));
        Assert.Equal($"../../../blobs/{TestHub.Sha256(onnxBytes)}", onnxLink.LinkTarget);
        var config = new FileInfo(Path.Combine(snapshot, "config.json"));
        Assert.Equal($"../../blobs/{TestHub.GitBlobSha1(File.ReadAllBytes(config.FullName))}", config.LinkTarget);
        Assert.Equal($"../../../blobs/{TestHub.GitBlobSha1(File.ReadAllBytes(Path.Combine(snapshot, "1_Pooling", "config.json")))}", new FileInfo(Path.Combine(snapshot, "1_Pooling", "config.json")).LinkTarget);
        Assert.Equal(expected.Length, Directory.GetFiles(Path.Combine(storage, "blobs")).Length);
        Assert.Empty(Directory.GetFiles(_cache, "*.incomplete", SearchOption.AllDirectories));
        Assert.True(File.Exists(Path.Combine(_cache, ".locks", "models--test-org--minilm-hub", TestHub.Sha256(onnxBytes) + ".lock")));

        Assert.Equal(result.TotalBytes, reports[^1].Bytes);
        Assert.Equal(result.TotalBytes, reports[^1].Total);
        Assert.Contains(reports, r => r.File == "onnx/model.onnx" && r.FileBytes > 0 && r.FileBytes < onnxBytes.Length);

        // Offline, with no server: the cached snapshot loads and gives the embedded model's vectors.
        var requests = _hub.Requests.Count;
        var resolved = ModelSpec.Parse(Repo).Resolve(new ModelResolveOptions { Hub = Options(offline: true, endpoint: new Uri("http://127.0.0.1:9")) });
        Assert.Equal(snapshot, resolved.Folder);
        Assert.Equal($"{Repo}@{commit}", resolved.Source);
        using var embedder = SentenceEmbedder.Create(resolved);
        Assert.Equal(Repo, embedder.Model.Id);
        var texts = Golden.Items.Select(i => i.Text).ToList();
        var ours = embedder.EmbedBatch(texts);
        var embedded = SharedEmbedders.MiniLm.EmbedBatch(texts);
        for (var i = 0; i < texts.Count; i++)
        {
            Assert.True(Golden.Cosine(ours[i], embedded[i]) >= 0.9999);
            Assert.True(ours[i].Zip(embedded[i]).Max(p => Math.Abs(p.First - p.Second)) <= 1e-5);
        }

        Assert.Equal(requests, _hub.Requests.Count);

        // A second pull asks the API and downloads nothing.
        var again = await HuggingFaceHub.PullAsync(Repo, options: Options());
        Assert.Equal(0, again.Downloaded);
        Assert.Equal(requests + 1, _hub.Requests.Count);
    }

    [Fact]
    public async Task Lfs_files_follow_the_redirect_to_another_host_without_the_token()
    {
        ServeSmall("test-org/private", token: "hf_secret");
        var result = await HuggingFaceHub.PullAsync("test-org/private", options: Options("hf_secret"));
        Assert.Equal(5, result.Downloaded);
        var requests = _hub.Requests.ToList();
        var cdn = requests.Where(r => r.Host == "localhost").ToList();
        var endpoint = requests.Where(r => r.Host == "127.0.0.1").ToList();
        Assert.Single(cdn);
        Assert.All(cdn, r => Assert.Null(r.Authorization));
        Assert.Equal(6, endpoint.Count);
        Assert.All(endpoint, r => Assert.Equal("Bearer hf_secret", r.Authorization));
        Assert.Contains(endpoint, r => r.Path.StartsWith("/api/models/test-org/private/revision/main", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_connection_dropped_mid_file_resumes_with_a_range_request()
    {
        ServeMiniLm();
        _hub.DropOnce("onnx/model.onnx", 5_000_000);
        var result = await HuggingFaceHub.PullAsync(Repo, options: Options());
        var onnx = _hub.RequestsFor("onnx/model.onnx").Where(r => r.Host == "localhost").ToList();
        Assert.Equal(2, onnx.Count);
        Assert.Null(onnx[0].Range);

        // It asks for the rest from what reached the disk (the server wrote 5 MB; less may have arrived).
        Assert.Matches("^bytes=[0-9]+-$", onnx[1].Range);
        Assert.InRange(long.Parse(onnx[1].Range![6..^1], System.Globalization.CultureInfo.InvariantCulture), 1, 5_000_000);
        Assert.Equal(TestHub.Sha256(File.ReadAllBytes(Path.Combine(result.Folder, "onnx", "model.onnx"))), Path.GetFileName(new FileInfo(Path.Combine(result.Folder, "onnx", "model.onnx")).LinkTarget));
        using var embedder = SentenceEmbedder.Create(result.Folder);
        Assert.True(Golden.Cosine(embedder.Embed(Golden.Items[0].Text), SharedEmbedders.MiniLm.Embed(Golden.Items[0].Text)) >= 0.9999);
    }

    [Fact]
    public async Task An_interrupted_download_from_an_earlier_run_resumes_and_a_wrong_prefix_is_caught()
    {
        ServeSmall("test-org/small");
        var bytes = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7 + "main".Length)).ToArray();
        var sha = TestHub.Sha256(bytes);
        var blobs = Path.Combine(Storage("test-org/small"), "blobs");
        Directory.CreateDirectory(blobs);
        File.WriteAllBytes(Path.Combine(blobs, sha + ".incomplete"), bytes[..123_456]);

        var result = await HuggingFaceHub.PullAsync("test-org/small", options: Options());
        Assert.Equal("bytes=123456-", _hub.RequestsFor("model.safetensors").Single(r => r.Host == "localhost").Range);
        Assert.Equal(result.TotalBytes - 123_456, result.DownloadedBytes);
        Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(result.Folder, "model.safetensors")));
        Assert.False(File.Exists(Path.Combine(blobs, sha + ".incomplete")));

        // A leftover whose bytes are not the file's start: the SHA-256 check fails, nothing is placed.
        var other = ServeSmall("test-org/small2");
        var blobs2 = Path.Combine(Storage("test-org/small2"), "blobs");
        Directory.CreateDirectory(blobs2);
        File.WriteAllBytes(Path.Combine(blobs2, sha + ".incomplete"), new byte[1000]);
        var ex = await Assert.ThrowsAsync<QianruException>(() => HuggingFaceHub.PullAsync("test-org/small2", options: Options()));
        Assert.Contains("model.safetensors is corrupt", ex.Message);
        Assert.False(File.Exists(Path.Combine(blobs2, sha)));
        Assert.False(File.Exists(Path.Combine(blobs2, sha + ".incomplete")));
        Assert.False(File.Exists(Path.Combine(Storage("test-org/small2"), "snapshots", other, "model.safetensors")));
        Assert.False(File.Exists(Path.Combine(Storage("test-org/small2"), "refs", "main")));
        Assert.Null(HuggingFaceHub.FindCached("test-org/small2", options: Options()));

        // Pulled again, it completes.
        var fixedUp = await HuggingFaceHub.PullAsync("test-org/small2", options: Options());
        Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(fixedUp.Folder, "model.safetensors")));
    }

    [Fact]
    public async Task A_file_with_a_wrong_sha256_is_never_placed()
    {
        var commit = ServeSmall("test-org/corrupt");
        _hub.Corrupt("model.safetensors");
        var ex = await Assert.ThrowsAsync<QianruException>(() => HuggingFaceHub.PullAsync("test-org/corrupt", options: Options()));
        Assert.Contains("test-org/corrupt: model.safetensors is corrupt: its SHA-256 is", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
        var storage = Storage("test-org/corrupt");
        Assert.All(Directory.GetFiles(Path.Combine(storage, "blobs")), b => Assert.Equal(40, Path.GetFileName(b).Length));
        Assert.Empty(Directory.GetFiles(storage, "*.incomplete", SearchOption.AllDirectories));
        Assert.False(File.Exists(Path.Combine(storage, "snapshots", commit, "model.safetensors")));
        Assert.False(File.Exists(Path.Combine(storage, "refs", "main")));
        var offline = new ModelResolveOptions { Hub = Options(offline: true) };
        Assert.Contains("not in the Hugging Face cache", Assert.Throws<QianruException>(() => ModelSpec.Parse("test-org/corrupt").Resolve(offline)).Message);
    }

    [Fact]
    public async Task Not_found_unauthorized_gated_and_no_network_are_one_clear_line()
    {
        ServeSmall("test-org/private", token: "hf_secret");
        ServeSmall("test-org/gated", gated: true);

        async Task<string> Fails(string repo, HubOptions options, string? revision = null) =>
            (await Assert.ThrowsAsync<QianruException>(() => HuggingFaceHub.PullAsync(repo, revision, options))).Message;

        var missing = await Fails("test-org/nope", Options());
        Assert.Contains("test-org/nope: no such model on " + _hub.Endpoint.ToString().TrimEnd('/'), missing);
        Assert.Contains("404", missing);

        var unauthorized = await Fails("test-org/private", Options());
        Assert.Contains("401", unauthorized);
        Assert.Contains("set HF_TOKEN", unauthorized);
        var wrongToken = await Fails("test-org/private", Options("hf_wrong"));
        Assert.Contains("refused the token in HF_TOKEN", wrongToken);

        var gated = await Fails("test-org/gated", Options());
        Assert.Contains("test-org/gated is gated", gated);
        Assert.Contains("HF_TOKEN", gated);

        var revision = await Fails("test-org/private", Options("hf_secret"), "no-such-branch");
        Assert.Contains("revision 'no-such-branch' not found", revision);

        var offline = await Fails("test-org/private", Options(offline: true));
        Assert.Contains("HF_HUB_OFFLINE", offline);

        var unreachable = await Fails("test-org/private", Options(endpoint: new Uri("http://127.0.0.1:9")));
        Assert.Contains("could not reach the Hugging Face Hub at http://127.0.0.1:9", unreachable);
        Assert.Contains("HF_ENDPOINT", unreachable);
        Assert.Contains("HF_HUB_OFFLINE", unreachable);

        var badId = await Fails("not a repo", Options());
        Assert.Contains("not a Hugging Face model id", badId);

        foreach (var message in new[] { missing, unauthorized, wrongToken, gated, revision, offline, unreachable, badId })
        {
            Assert.DoesNotContain('\n', message);
        }

        Assert.False(Directory.Exists(Storage("test-org/nope")) && Directory.EnumerateFiles(Storage("test-org/nope"), "*", SearchOption.AllDirectories).Any());
    }

    [Fact]
    public async Task A_branch_name_and_a_commit_hash_resolve_to_their_snapshots()
    {
        var main = ServeSmall("test-org/revs");
        var v2 = ServeSmall("test-org/revs", branch: "v2", pooling: "cls");
        Assert.NotEqual(main, v2);

        var pulledV2 = await HuggingFaceHub.PullAsync("test-org/revs", "v2", Options());
        Assert.Equal(v2, pulledV2.Commit);
        Assert.Equal(v2, File.ReadAllText(Path.Combine(Storage("test-org/revs"), "refs", "v2")));
        Assert.False(File.Exists(Path.Combine(Storage("test-org/revs"), "refs", "main")));

        var pulledMain = await HuggingFaceHub.PullAsync("test-org/revs", main, Options());
        Assert.Equal(main, pulledMain.Commit);
        Assert.False(File.Exists(Path.Combine(Storage("test-org/revs"), "refs", "main")));
        Assert.Equal(["v2"], Directory.GetFiles(Path.Combine(Storage("test-org/revs"), "refs")).Select(Path.GetFileName));

        // Offline: the branch through refs/, the commit directly; main is unknown without refs/main.
        var offline = new ModelResolveOptions { Hub = Options(offline: true) };
        Assert.Equal(v2, ModelSpec.Parse("test-org/revs@v2").Resolve(offline).Commit);
        Assert.Equal(main, ModelSpec.Parse($"test-org/revs@{main}").Resolve(offline).Commit);
        Assert.Contains("\"cls\"", File.ReadAllText(Path.Combine(ModelSpec.Parse("test-org/revs@v2").Resolve(offline).Folder!, "1_Pooling", "config.json")));
        Assert.Throws<QianruException>(() => ModelSpec.Parse("test-org/revs").Resolve(offline));

        // The blob both commits share (vocab.txt) is stored once.
        Assert.Equal(1, Directory.GetFiles(Path.Combine(Storage("test-org/revs"), "blobs")).Count(b => File.ReadAllText(b) == "[PAD]\n[UNK]\n[CLS]\n[SEP]\n"));

        var listed = HuggingFaceHub.ListCached(Options());
        Assert.Equal(2, listed.Count(m => m.RepoId == "test-org/revs"));
        Assert.Equal(["v2"], listed.Single(m => m.Commit == v2).Refs);
        Assert.Empty(listed.Single(m => m.Commit == main).Refs);
        Assert.All(listed, m => Assert.Equal("safetensors", m.Weights));
    }

    [Fact]
    public async Task A_full_disk_is_one_line_and_leaves_no_blob()
    {
        if (!File.Exists("/dev/full"))
        {
            return; // ENOSPC on demand needs Linux's /dev/full.
        }

        var commit = ServeSmall("test-org/full");
        var sha = TestHub.Sha256(Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7 + "main".Length)).ToArray());
        var blobs = Path.Combine(Storage("test-org/full"), "blobs");
        Directory.CreateDirectory(blobs);
        File.CreateSymbolicLink(Path.Combine(blobs, sha + ".incomplete"), "/dev/full");
        var ex = await Assert.ThrowsAsync<QianruException>(() => HuggingFaceHub.PullAsync("test-org/full", options: Options()));
        Assert.Contains("disk full", ex.Message);
        Assert.Contains("HF_HUB_CACHE", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.False(File.Exists(Path.Combine(blobs, sha)));
        Assert.False(File.Exists(Path.Combine(Storage("test-org/full"), "snapshots", commit, "model.safetensors")));
    }

    [Fact]
    public void A_cache_python_filled_is_used_in_place_with_no_network_and_no_writes()
    {
        // The layout huggingface_hub writes, made by hand: blobs, relative links, refs/main.
        var commit = "0f1e2d3c4b5a69788796a5b4c3d2e1f001234567";
        var folder = ModelFolders.Create(new ModelFolders.Spec { Pooling = "cls" });
        var storage = Storage("BAAI/bge-small-zh-v1.5");
        var snapshot = Path.Combine(storage, "snapshots", commit);
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(file);
            var relative = Path.GetRelativePath(folder, file);
            var blob = Path.Combine(storage, "blobs", relative.EndsWith(".onnx", StringComparison.Ordinal) ? TestHub.Sha256(bytes) : TestHub.GitBlobSha1(bytes));
            Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
            File.WriteAllBytes(blob, bytes);
            var pointer = Path.Combine(snapshot, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(pointer)!);
            File.CreateSymbolicLink(pointer, Path.GetRelativePath(Path.GetDirectoryName(pointer)!, blob));
        }

        Directory.CreateDirectory(Path.Combine(storage, "refs"));
        File.WriteAllText(Path.Combine(storage, "refs", "main"), commit);
        SetMode(_cache, UnixFileMode.UserRead | UnixFileMode.UserExecute);

        var before = Listing(_cache);
        var options = new ModelResolveOptions { Hub = Options(endpoint: new Uri("http://127.0.0.1:9")) };
        var resolved = ModelSpec.Parse("BAAI/bge-small-zh-v1.5").Resolve(options);
        Assert.Equal(snapshot, resolved.Folder);
        Assert.Equal(commit, resolved.Commit);
        using var embedder = SentenceEmbedder.Create(resolved);
        Assert.Equal("BAAI/bge-small-zh-v1.5", embedder.Model.Id);
        Assert.Equal(PoolingMode.Cls, embedder.Model.Pooling);
        Assert.Equal(384, embedder.Embed("前瞻性").Length);
        Assert.Equal(before, Listing(_cache));
        Assert.Empty(_hub.Requests);
        Assert.Single(HuggingFaceHub.ListCached(options.Hub), m => m.RepoId == "BAAI/bge-small-zh-v1.5" && m.Refs.SequenceEqual(["main"]) && m.Weights == "onnx");
    }

    /// <summary>Sets the mode of every folder under <paramref name="root"/> (no-op on Windows).</summary>
    private static void SetMode(string root, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        foreach (var dir in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories).Append(root))
        {
            File.SetUnixFileMode(dir, mode);
        }
    }

    private static string Listing(string root) => string.Join('\n', Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
        .Order(StringComparer.Ordinal)
        .Select(p => $"{p}|{new FileInfo(p).LinkTarget}|{File.GetLastWriteTimeUtc(p).Ticks}"));

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
