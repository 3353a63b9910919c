using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Qianru.Tests.Support;

/// <summary>
/// A Hugging Face Hub on loopback (in-process Kestrel) serving the endpoints huggingface_hub and Qianru use:
/// <c>GET /api/models/{org}/{name}/revision/{rev}</c> (commit and siblings with LFS metadata, as with <c>blobs=true</c>) and
/// <c>GET /{org}/{name}/resolve/{rev}/{path}</c>: git files answered directly with their git blob hash as ETag, LFS
/// files (weights) redirected to a second host name (<c>localhost</c> instead of <c>127.0.0.1</c>, like the Hub's CDN)
/// with <c>X-Linked-Etag</c> (SHA-256), <c>X-Linked-Size</c> and <c>X-Repo-Commit</c>; the CDN honours Range.
/// Faults on demand: a connection dropped mid-file, corrupted bytes, private (401) and gated (403) repositories.
/// </summary>
public sealed class TestHub : IAsyncDisposable
{
    private static readonly string[] LfsExtensions = [".onnx", ".onnx_data", ".safetensors", ".bin", ".h5", ".msgpack", ".ot", ".model"];

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Repo> _repos = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte[]> _lfs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _dropOnce = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _corrupt = new(StringComparer.Ordinal);

    private TestHub(WebApplication app, int port)
    {
        _app = app;
        Endpoint = new Uri($"http://127.0.0.1:{port}");
        Cdn = new Uri($"http://localhost:{port}/cdn/");
    }

    /// <summary>The Hub's address, for HF_ENDPOINT.</summary>
    public Uri Endpoint { get; }

    /// <summary>Where LFS files are redirected: the same server under another host name.</summary>
    public Uri Cdn { get; }

    /// <summary>Every request received, in order.</summary>
    public ConcurrentQueue<Request> Requests { get; } = new();

    public sealed record Request(string Host, string Path, string? Range, string? Authorization);

    private sealed class Repo
    {
        public required string Id { get; init; }

        public ConcurrentDictionary<string, string> Branches { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, Dictionary<string, byte[]>> Commits { get; } = new(StringComparer.Ordinal);

        public string? Token { get; init; }

        public bool Gated { get; init; }
    }

    public static async Task<TestHub> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        TestHub? hub = null;
        app.Run(context => hub!.HandleAsync(context));
        await app.StartAsync();
        var address = app.Urls.First();
        hub = new TestHub(app, new Uri(address).Port);
        return hub;
    }

    /// <summary>
    /// Serves every file under <paramref name="folder"/> (links followed) as a new commit of <paramref name="repoId"/>,
    /// which <paramref name="branch"/> then points to; returns the commit hash.
    /// </summary>
    public string AddCommit(string repoId, string folder, string branch = "main", string? token = null, bool gated = false, IReadOnlyDictionary<string, byte[]>? extraFiles = null)
    {
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f).Replace(Path.DirectorySeparatorChar, '/'), File.ReadAllBytes, StringComparer.Ordinal);
        foreach (var (name, bytes) in extraFiles ?? new Dictionary<string, byte[]>())
        {
            files[name] = bytes;
        }

        return AddCommit(repoId, files, branch, token, gated);
    }

    /// <summary>Serves <paramref name="files"/> (repository path → bytes) as a new commit; returns its hash.</summary>
    public string AddCommit(string repoId, IReadOnlyDictionary<string, byte[]> files, string branch = "main", string? token = null, bool gated = false)
    {
        var repo = _repos.GetOrAdd(repoId, id => new Repo { Id = id, Token = token, Gated = gated });
        var commit = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(repoId + "\n" + Guid.NewGuid())));
        var copy = new Dictionary<string, byte[]>(files, StringComparer.Ordinal);
        repo.Commits[commit] = copy;
        repo.Branches[branch] = commit;
        foreach (var (name, bytes) in copy)
        {
            if (IsLfs(name))
            {
                _lfs[Sha256(bytes)] = bytes;
            }
        }

        return commit;
    }

    /// <summary>The next CDN download of <paramref name="file"/> sends <paramref name="afterBytes"/> bytes, then drops the connection.</summary>
    public void DropOnce(string file, long afterBytes) => _dropOnce[file] = afterBytes;

    /// <summary>Every download of <paramref name="file"/> has one byte changed (its ETag stays the true hash).</summary>
    public void Corrupt(string file) => _corrupt[file] = true;

    public static bool IsLfs(string file) => LfsExtensions.Contains(Path.GetExtension(file), StringComparer.Ordinal);

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>git's blob hash: SHA-1 of "blob SIZE\0" and the bytes, the ETag of files kept in git.</summary>
    public static string GitBlobSha1(byte[] bytes) =>
        Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {bytes.Length}\0"), .. bytes]));

    /// <summary>The requests for a repository file (resolve or CDN), by file name.</summary>
    public IReadOnlyList<Request> RequestsFor(string file) =>
        [.. Requests.Where(r => r.Path.EndsWith("/" + file, StringComparison.Ordinal) || r.Path.EndsWith("file=" + Uri.EscapeDataString(file), StringComparison.Ordinal))];

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        Requests.Enqueue(new Request(request.Host.Host, request.Path + request.QueryString, request.Headers.Range.FirstOrDefault(), request.Headers.Authorization.FirstOrDefault()));
        var path = request.Path.Value ?? "";
        var parts = path.Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();
        if (parts.Length >= 2 && parts[0] == "cdn")
        {
            await ServeCdnAsync(context, parts[1]);
        }
        else if (parts.Length >= 6 && parts[0] == "api" && parts[1] == "models" && parts[4] == "revision")
        {
            await ServeRevisionAsync(context, $"{parts[2]}/{parts[3]}", string.Join('/', parts[5..]));
        }
        else if (parts.Length >= 5 && parts[2] == "resolve")
        {
            await ServeResolveAsync(context, $"{parts[0]}/{parts[1]}", parts[3], string.Join('/', parts[4..]));
        }
        else
        {
            await Error(context, 404, null, "Not found");
        }
    }

    private async Task ServeRevisionAsync(HttpContext context, string repoId, string revision)
    {
        if (Authorize(context, repoId, checkGate: false) is not { } repo)
        {
            await Unauthorized(context, repoId);
            return;
        }

        if (Commit(repo, revision) is not { } commit)
        {
            await Error(context, 404, "RevisionNotFound", $"Invalid rev id: {revision}");
            return;
        }

        var withBlobs = context.Request.Query["blobs"] == "true";
        var siblings = repo.Commits[commit].OrderBy(f => f.Key, StringComparer.Ordinal).Select(f =>
        {
            var entry = new Dictionary<string, object> { ["rfilename"] = f.Key };
            if (withBlobs)
            {
                entry["size"] = f.Value.Length;
                entry["blobId"] = GitBlobSha1(f.Value);
                if (IsLfs(f.Key))
                {
                    entry["lfs"] = new Dictionary<string, object> { ["sha256"] = Sha256(f.Value), ["size"] = f.Value.Length, ["pointerSize"] = 134 };
                }
            }

            return entry;
        });
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["_id"] = "0123456789abcdef01234567",
            ["id"] = repoId,
            ["modelId"] = repoId,
            ["sha"] = commit,
            ["private"] = repo.Token is not null,
            ["gated"] = repo.Gated ? "manual" : false,
            ["siblings"] = siblings,
        }));
    }

    private async Task ServeResolveAsync(HttpContext context, string repoId, string revision, string file)
    {
        if (Authorize(context, repoId, checkGate: true) is not { } repo)
        {
            await Unauthorized(context, repoId);
            return;
        }

        if (Commit(repo, revision) is not { } commit)
        {
            await Error(context, 404, "RevisionNotFound", $"Invalid rev id: {revision}");
            return;
        }

        var response = context.Response;
        response.Headers["X-Repo-Commit"] = commit;
        if (!repo.Commits[commit].TryGetValue(file, out var bytes))
        {
            await Error(context, 404, "EntryNotFound", $"{file} does not exist on \"{revision}\"");
            return;
        }

        if (IsLfs(file))
        {
            var sha = Sha256(bytes);
            response.StatusCode = 302;
            response.Headers.ETag = $"\"{GitBlobSha1(Encoding.ASCII.GetBytes($"version https://git-lfs.github.com/spec/v1\noid sha256:{sha}\nsize {bytes.Length}\n"))}\"";
            response.Headers["X-Linked-Etag"] = $"\"{sha}\"";
            response.Headers["X-Linked-Size"] = bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
            response.Headers.Location = new Uri(Cdn, $"{sha}?file={Uri.EscapeDataString(file)}").ToString();
            return;
        }

        response.Headers.ETag = $"\"{GitBlobSha1(bytes)}\"";
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes);
    }

    private async Task ServeCdnAsync(HttpContext context, string sha)
    {
        var file = context.Request.Query["file"].ToString();
        if (context.Request.Host.Host != "localhost" || !_lfs.TryGetValue(sha, out var bytes))
        {
            await Error(context, 404, null, "Not found");
            return;
        }

        if (_corrupt.ContainsKey(file))
        {
            bytes = (byte[])bytes.Clone();
            bytes[bytes.Length / 2] ^= 0x5A;
        }

        long start = 0;
        var response = context.Response;
        if (context.Request.Headers.Range.FirstOrDefault() is { } range && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            start = long.Parse(range[6..^1], System.Globalization.CultureInfo.InvariantCulture);
            if (start >= bytes.Length)
            {
                response.StatusCode = 416;
                return;
            }

            response.StatusCode = 206;
            response.Headers.ContentRange = $"bytes {start}-{bytes.Length - 1}/{bytes.Length}";
        }

        response.Headers.ETag = $"\"{sha}\"";
        response.ContentLength = bytes.Length - start;
        if (_dropOnce.TryRemove(file, out var after))
        {
            await response.Body.WriteAsync(bytes.AsMemory((int)start, (int)Math.Min(after, bytes.Length - start)));
            await response.Body.FlushAsync();
            context.Abort();
            return;
        }

        await response.Body.WriteAsync(bytes.AsMemory((int)start));
    }

    private Repo? Authorize(HttpContext context, string repoId, bool checkGate)
    {
        if (!_repos.TryGetValue(repoId, out var repo))
        {
            return null;
        }

        var token = repo.Token;
        var sent = context.Request.Headers.Authorization.FirstOrDefault();
        if (token is not null && sent != "Bearer " + token)
        {
            return null;
        }

        if (checkGate && repo.Gated)
        {
            return null;
        }

        return repo;
    }

    private Task Unauthorized(HttpContext context, string repoId)
    {
        if (_repos.TryGetValue(repoId, out var repo) && repo.Gated && (repo.Token is null || context.Request.Headers.Authorization.FirstOrDefault() == "Bearer " + repo.Token))
        {
            return Error(context, 403, "GatedRepo", $"Access to model {repoId} is restricted and you are not in the authorized list.");
        }

        // The Hub answers 401 for a private repository without a valid token and for one that does not exist.
        var wrongToken = context.Request.Headers.Authorization.Count > 0 && repo?.Token is not null;
        return _repos.ContainsKey(repoId)
            ? Error(context, 401, "RepoNotFound", wrongToken ? "Invalid credentials in Authorization header" : "Repository not found")
            : Error(context, 404, "RepoNotFound", "Repository not found");
    }

    private static string? Commit(Repo repo, string revision) =>
        repo.Branches.TryGetValue(revision, out var commit) ? commit : repo.Commits.ContainsKey(revision) ? revision : null;

    private static async Task Error(HttpContext context, int status, string? code, string message)
    {
        context.Response.StatusCode = status;
        if (code is not null)
        {
            context.Response.Headers["X-Error-Code"] = code;
        }

        context.Response.Headers["X-Error-Message"] = message;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new { error = message }));
    }
}
