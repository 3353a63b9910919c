using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Qianru.Models.Hub;

/// <summary>
/// The Hub's HTTP API as huggingface_hub uses it: <c>GET {endpoint}/api/models/{id}/revision/{rev}</c> for the commit
/// and the file list, <c>GET {endpoint}/{id}/resolve/{commit}/{file}</c> for each file. Redirects are followed by hand
/// so the token goes to the endpoint's host only (the Hub sends LFS files to a CDN with a signed URL).
/// </summary>
internal sealed class HubClient
{
    /// <summary>Retries of a file whose connection dropped mid-body, each resuming where it stopped (huggingface_hub: 5).</summary>
    private const int Retries = 5;

    private const int MaxRedirects = 10;

    private static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(60);

    private static readonly HttpClient Http = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(15),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private static readonly string UserAgent = $"qianru/{typeof(HubClient).Assembly.GetName().Version?.ToString(3) ?? "0"}";

    private readonly HubOptions _options;
    private readonly string _endpoint;

    public HubClient(HubOptions options)
    {
        _options = options;
        _endpoint = options.Endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/');
    }

    /// <summary>A file of the repository as the API lists it.</summary>
    public sealed record Sibling(string Name, long? Size, string? Sha256);

    /// <summary>The commit <paramref name="revision"/> points to and the files of the repository there.</summary>
    public async Task<(string Commit, IReadOnlyList<Sibling> Files)> GetRevisionAsync(string repoId, string revision, CancellationToken cancellationToken)
    {
        var url = new Uri($"{_endpoint}/api/models/{repoId}/revision/{Uri.EscapeDataString(revision)}?blobs=true");
        using var response = (await SendAsync(url, null, repoId, revision, null, cancellationToken).ConfigureAwait(false)).Response!;
        byte[] body;
        try
        {
            body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsNetwork(ex, cancellationToken))
        {
            throw Unreachable(url, ex);
        }

        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            var commit = root.TryGetProperty("sha", out var sha) && sha.ValueKind == JsonValueKind.String ? sha.GetString()! : "";
            if (!HubCache.IsCommit(commit))
            {
                throw new QianruException($"{repoId}@{revision}: {_endpoint} answered without a commit hash (\"sha\"); is HF_ENDPOINT a Hugging Face Hub or mirror?");
            }

            var files = new List<Sibling>();
            if (root.TryGetProperty("siblings", out var siblings) && siblings.ValueKind == JsonValueKind.Array)
            {
                foreach (var s in siblings.EnumerateArray())
                {
                    if (s.ValueKind != JsonValueKind.Object || !s.TryGetProperty("rfilename", out var name) || name.GetString() is not { } file || !IsSafeFile(file))
                    {
                        continue;
                    }

                    long? size = s.TryGetProperty("size", out var sz) && sz.TryGetInt64(out var n) ? n : null;
                    string? sha256 = null;
                    if (s.TryGetProperty("lfs", out var lfs) && lfs.ValueKind == JsonValueKind.Object)
                    {
                        sha256 = lfs.TryGetProperty("sha256", out var h) ? h.GetString() : null;
                        size = lfs.TryGetProperty("size", out var ls) && ls.TryGetInt64(out var m) ? m : size;
                    }

                    files.Add(new Sibling(file, size, sha256));
                }
            }

            return (commit, files);
        }
        catch (JsonException ex)
        {
            throw new QianruException($"{repoId}@{revision}: {_endpoint} answered with something that is not the Hub's JSON ({ex.Message}); is HF_ENDPOINT a Hugging Face Hub or mirror?", ex);
        }
    }

    /// <summary>
    /// Makes <c>snapshots/COMMIT/FILE</c> point at a verified blob, downloading the blob unless the cache has it.
    /// Returns the bytes downloaded now (0 when cached) and the file's size.
    /// </summary>
    public async Task<(long Downloaded, long Size)> FetchAsync(
        string storage, string repoId, string commit, string file, long? listedSize, Action<long, long?> onBytes, CancellationToken cancellationToken)
    {
        var pointer = HubCache.PointerPath(storage, commit, file);
        if (ExistingLength(pointer) is { } cached)
        {
            return (0, cached);
        }

        var url = new Uri($"{_endpoint}/{repoId}/resolve/{commit}/{string.Join('/', file.Split('/').Select(Uri.EscapeDataString))}");
        // As huggingface_hub: the metadata comes from the resolve answer; an LFS file's redirect is not followed
        // yet, so a resumed download asks the CDN once, with its Range.
        var first = await SendAsync(url, null, repoId, commit, file, cancellationToken, stopAtLfsRedirect: true).ConfigureAwait(false);
        var headers = first.Hub;
        var etag = NormalizeEtag(headers.LinkedEtag ?? first.Response?.Headers.ETag?.Tag);
        var size = headers.LinkedSize ?? first.Response?.Content.Headers.ContentLength ?? listedSize;
        if (etag is null || !IsSafeName(etag))
        {
            first.Response?.Dispose();
            throw new QianruException($"{repoId}: {file}: {_endpoint} sent {(etag is null ? "no ETag" : $"the ETag '{etag}'")}, so the file cannot be named and verified as huggingface_hub does; is HF_ENDPOINT a Hugging Face Hub or mirror?");
        }

        var blob = HubCache.BlobPath(storage, etag);
        Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
        if (BlobLength(blob) is { } have && (size is null || have == size))
        {
            first.Response?.Dispose();
            HubCache.Link(blob, pointer);
            return (0, have);
        }

        var lockPath = HubCache.LockPath(Path.GetDirectoryName(storage)!, repoId, etag);
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
        long downloaded;
        using (await AcquireLockAsync(lockPath, cancellationToken).ConfigureAwait(false))
        {
            if (BlobLength(blob) is { } other && (size is null || other == size))
            {
                first.Response?.Dispose();
                downloaded = 0;
            }
            else
            {
                downloaded = await DownloadBlobAsync(first, blob, etag, size, repoId, file, onBytes, cancellationToken).ConfigureAwait(false);
            }
        }

        HubCache.Link(blob, pointer);
        return (downloaded, BlobLength(blob) ?? 0);
    }

    private async Task<long> DownloadBlobAsync(
        HubResponse first, string blob, string etag, long? size, string repoId, string file, Action<long, long?> onBytes, CancellationToken cancellationToken)
    {
        var incomplete = blob + ".incomplete";
        var response = first.Response;
        var source = first.FinalUrl;
        long offset = File.Exists(incomplete) ? new FileInfo(incomplete).Length : 0;
        if (size is { } s && offset > s)
        {
            offset = 0;
        }

        long received = 0;
        var attempts = Retries;
        using var sha256 = IsSha256(etag) ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        if (sha256 is not null && offset > 0)
        {
            await HashPrefixAsync(incomplete, offset, sha256, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            while (true)
            {
                if (offset > 0 && offset == size)
                {
                    response?.Dispose();
                    break;
                }

                if (offset > 0 || response is null)
                {
                    // Resume: ask the final (possibly CDN) URL for the rest; the token goes only to the endpoint's host.
                    response?.Dispose();
                    response = (await SendAsync(source, offset, repoId, null, file, cancellationToken).ConfigureAwait(false)).Response!;
                    if (response.StatusCode != HttpStatusCode.PartialContent)
                    {
                        // The server ignored the Range (200): start over, as huggingface_hub does.
                        offset = 0;
                        sha256?.GetHashAndReset();
                    }
                }

                onBytes(offset, size);
                try
                {
                    await using (var output = new FileStream(incomplete, offset > 0 ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                    {
                        await using var input = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                        var buffer = new byte[1 << 16];
                        while (true)
                        {
                            int read;
                            using (var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                            {
                                idle.CancelAfter(ResponseTimeout);
                                read = await input.ReadAsync(buffer, idle.Token).ConfigureAwait(false);
                            }

                            if (read == 0)
                            {
                                break;
                            }

                            await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                            sha256?.AppendData(buffer, 0, read);
                            offset += read;
                            received += read;
                            attempts = Retries;
                            onBytes(offset, size);
                        }
                    }

                    response.Dispose();
                    response = null;
                    if (size is { } expected && offset < expected)
                    {
                        throw new IOException($"the connection closed after {offset} of {expected} bytes");
                    }

                    break;
                }
                catch (IOException ex) when (IsDiskFull(ex))
                {
                    throw new QianruException($"{repoId}: disk full writing {file} into {Path.GetDirectoryName(blob)} ({offset} of {size?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} bytes written); free some space or set HF_HUB_CACHE to a folder on another disk, then pull again (the download resumes).", ex);
                }
                catch (Exception ex) when (IsNetwork(ex, cancellationToken) && attempts-- > 0)
                {
                    // A dropped connection: resume from what is on disk.
                    response?.Dispose();
                    response = null;
                    await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (IsNetwork(ex, cancellationToken))
                {
                    throw new QianruException($"{repoId}: downloading {file} from {source.Host} failed after {Retries + 1} attempts ({Message(ex)}); {offset} bytes are kept and the next pull resumes from there. Check the network, or set HF_ENDPOINT to a reachable mirror.", ex);
                }
            }
        }
        finally
        {
            response?.Dispose();
        }

        Verify(incomplete, etag, size, offset, sha256, repoId, file);
        File.Move(incomplete, blob, overwrite: true);
        return received;
    }

    private static void Verify(string incomplete, string etag, long? size, long length, IncrementalHash? sha256, string repoId, string file)
    {
        string? problem = null;
        if (size is { } expected && length != expected)
        {
            problem = $"it has {length} bytes where the Hub says {expected}";
        }
        else if (sha256 is not null)
        {
            var actual = Convert.ToHexStringLower(sha256.GetHashAndReset());
            problem = actual == etag ? null : $"its SHA-256 is {actual} where the Hub says {etag}";
        }
        else if (etag.Length == 40 && etag.All(char.IsAsciiHexDigitLower))
        {
            // Files kept in git (not LFS) are named by their git blob hash: SHA-1 of "blob <size>\0" and the bytes.
            using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            sha1.AppendData(Encoding.ASCII.GetBytes($"blob {length}\0"));
            sha1.AppendData(File.ReadAllBytes(incomplete));
            var actual = Convert.ToHexStringLower(sha1.GetHashAndReset());
            problem = actual == etag ? null : $"its git blob hash is {actual} where the Hub says {etag}";
        }

        if (problem is not null)
        {
            File.Delete(incomplete);
            throw new QianruException($"{repoId}: {file} is corrupt: {problem}. It was deleted and nothing was put in the cache; pull again (if it repeats, the server or a proxy alters the file).");
        }
    }

    private static bool IsSha256(string etag) => HubCache.IsSha256(etag);

    private static async Task HashPrefixAsync(string path, long length, IncrementalHash hash, CancellationToken cancellationToken)
    {
        await using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var buffer = new byte[1 << 16];
        var left = length;
        while (left > 0)
        {
            var read = await input.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            hash.AppendData(buffer, 0, read);
            left -= read;
        }
    }

    /// <summary>The headers huggingface_hub reads from a resolve response or its redirect.</summary>
    private sealed record HubHeaders(string? LinkedEtag, long? LinkedSize, string? RepoCommit);

    /// <summary>The final answer (null when stopped at an LFS redirect), the URL that gives the content, and the Hub's headers.</summary>
    private sealed record HubResponse(HttpResponseMessage? Response, Uri FinalUrl, HubHeaders Hub);

    /// <summary>
    /// GETs <paramref name="url"/>, following redirects: <c>X-Linked-Etag</c>, <c>X-Linked-Size</c> and
    /// <c>X-Repo-Commit</c> are read from whichever response carries them; the token is sent to the endpoint's host only.
    /// </summary>
    private async Task<HubResponse> SendAsync(Uri url, long? rangeFrom, string repoId, string? revision, string? file, CancellationToken cancellationToken, bool stopAtLfsRedirect = false)
    {
        string? linkedEtag = null, repoCommit = null;
        long? linkedSize = null;
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.UserAgent.ParseAdd(UserAgent);
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity"));
            if (_options.Token is { } token && IsEndpointHost(url))
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            if (rangeFrom is > 0)
            {
                request.Headers.Range = new RangeHeaderValue(rangeFrom, null);
            }

            HttpResponseMessage response;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(ResponseTimeout);
                response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsNetwork(ex, cancellationToken))
            {
                throw Unreachable(url, ex);
            }

            linkedEtag ??= Header(response, "X-Linked-Etag");
            linkedSize ??= long.TryParse(Header(response, "X-Linked-Size"), out var n) ? n : null;
            repoCommit ??= Header(response, "X-Repo-Commit");
            var status = (int)response.StatusCode;
            if (status is >= 300 and < 400 && response.Headers.Location is { } location)
            {
                var isLfs = Header(response, "X-Linked-Etag") is not null;
                response.Dispose();
                if (hop >= MaxRedirects)
                {
                    throw new QianruException($"{repoId}: more than {MaxRedirects} redirects from {url}.");
                }

                url = location.IsAbsoluteUri ? location : new Uri(url, location);
                if (stopAtLfsRedirect && isLfs)
                {
                    return new HubResponse(null, url, new HubHeaders(linkedEtag, linkedSize, repoCommit));
                }

                continue;
            }

            if (response.IsSuccessStatusCode)
            {
                return new HubResponse(response, url, new HubHeaders(linkedEtag, linkedSize, repoCommit));
            }

            using (response)
            {
                throw Failure(response, url, repoId, revision, file);
            }
        }
    }

    private bool IsEndpointHost(Uri url) =>
        string.Equals(url.Scheme, _options.Endpoint.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(url.IdnHost, _options.Endpoint.IdnHost, StringComparison.OrdinalIgnoreCase)
        && url.Port == _options.Endpoint.Port;

    /// <summary>One line for an HTTP error, in the cases huggingface_hub's <c>hf_raise_for_status</c> tells apart.</summary>
    private QianruException Failure(HttpResponseMessage response, Uri url, string repoId, string? revision, string? file)
    {
        var code = Header(response, "X-Error-Code");
        var message = Header(response, "X-Error-Message");
        var status = $"{(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd();
        var tokenHint = _options.Token is null
            ? "if it is private or gated, set HF_TOKEN to an access token (https://huggingface.co/settings/tokens)"
            : "the token in HF_TOKEN has no access to it";
        return (int)response.StatusCode switch
        {
            _ when code == "RevisionNotFound" => new QianruException($"{repoId}: revision '{revision}' not found on {_endpoint} ({status}); give a branch, tag or commit of the repository."),
            _ when code == "EntryNotFound" => new QianruException($"{repoId}: {file} is listed but not found on {_endpoint} ({status})."),
            _ when code == "GatedRepo" => new QianruException($"{repoId} is gated on {_endpoint} ({status}): accept its conditions on the model page, then set HF_TOKEN to an access token of that account."),
            401 when message == "Invalid credentials in Authorization header" => new QianruException($"{repoId}: {_endpoint} refused the token in HF_TOKEN ({status}: invalid credentials); set HF_TOKEN to a valid access token."),
            401 => new QianruException($"{repoId}: not found or not accessible on {_endpoint} ({status}); check the id (ORG/NAME, as in the model page's address); {tokenHint}."),
            403 => new QianruException($"{repoId}: access refused by {url.Host} ({status}{(message is null ? "" : ": " + message)}); {(_options.Token is null ? "set HF_TOKEN to an access token with read access" : "the token in HF_TOKEN has no read access to it")}."),
            404 when file is not null => new QianruException($"{repoId}: {file} not found at {url.Host} ({status})."),
            404 => new QianruException($"{repoId}: no such model on {_endpoint} ({status}); check the id (ORG/NAME, as in the model page's address){(_options.Token is null ? "; a private model needs HF_TOKEN" : "")}."),
            416 => new QianruException($"{repoId}: {file}: {url.Host} refused the resumed range ({status}); delete {file}'s .incomplete file in the cache's blobs folder and pull again."),
            _ => new QianruException($"{repoId}: {url.Host} answered {status} for {url.AbsolutePath}; try again later{(response.StatusCode == HttpStatusCode.TooManyRequests ? " (rate limited)" : "")}."),
        };
    }

    private QianruException Unreachable(Uri url, Exception ex) =>
        new(string.Equals(url.IdnHost, _options.Endpoint.IdnHost, StringComparison.OrdinalIgnoreCase)
            ? $"could not reach the Hugging Face Hub at {_endpoint} ({Message(ex)}); check the network, set HF_ENDPOINT to a reachable mirror (e.g. https://hf-mirror.com), or set HF_HUB_OFFLINE=1 to use cached models only."
            : $"could not reach {url.Host}, where {_endpoint} sent the download ({Message(ex)}); check the network or set HF_ENDPOINT to a reachable mirror.", ex);

    private static string Message(Exception ex)
    {
        var inner = ex;
        while (inner.InnerException is not null && inner is HttpRequestException or IOException)
        {
            inner = inner.InnerException;
        }

        return inner is OperationCanceledException ? $"no answer in {ResponseTimeout.TotalSeconds:0} s" : inner.Message.TrimEnd('.');
    }

    private static bool IsNetwork(Exception ex, CancellationToken cancellationToken) =>
        ex is HttpRequestException or SocketException || (ex is IOException && !IsDiskFull((IOException)ex))
        || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private static bool IsDiskFull(IOException ex) =>
        (ex.HResult & 0xFFFF) is 28 /* ENOSPC */ or 0x70 /* ERROR_DISK_FULL */ or 0x27 /* ERROR_HANDLE_DISK_FULL */
        || (ex.InnerException is IOException inner && IsDiskFull(inner));

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    /// <summary>huggingface_hub's <c>_normalize_etag</c>: drops a weak-validator prefix and the quotes.</summary>
    private static string? NormalizeEtag(string? etag) =>
        etag is null ? null : (etag.StartsWith("W/", StringComparison.Ordinal) ? etag[2..] : etag).Trim('"');

    /// <summary>An ETag or file name that is safe as a blob file name.</summary>
    private static bool IsSafeName(string name) =>
        name.Length is > 0 and <= 128 && name != "." && name != ".." && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>A repository path that stays inside a snapshot folder (huggingface_hub <c>_validate_relative_filename</c>).</summary>
    private static bool IsSafeFile(string file) =>
        file.Length > 0 && !file.StartsWith('/') && !file.Contains('\\') && !file.Contains(':')
        && file.Split('/').All(p => p.Length > 0 && p != "." && p != "..");

    /// <summary>The length of an existing pointer whose blob is there, else null.</summary>
    private static long? ExistingLength(string pointer)
    {
        var info = new FileInfo(pointer);
        if (info.LinkTarget is not null)
        {
            return info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo { Exists: true } target ? target.Length : null;
        }

        return info.Exists ? info.Length : null;
    }

    private static long? BlobLength(string blob) => File.Exists(blob) ? new FileInfo(blob).Length : null;

    /// <summary>An exclusive lock on <paramref name="path"/> (flock, as Python's filelock), waited for.</summary>
    private static async Task<FileStream> AcquireLockAsync(string path, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (File.Exists(path))
            {
                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
