using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Qianru.Cli.Tests.Support;
using Xunit.Abstractions;

namespace Qianru.Cli.Tests.Server;

/// <summary>Runs only where nginx is installed (Debian's package; .ci/run installs it), and says so when it is not.</summary>
public sealed class NginxFactAttribute : FactAttribute
{
    public NginxFactAttribute()
    {
        if (ReplicaSet.FindNginx() is null)
        {
            Skip = "nginx was not found (/usr/sbin/nginx or on PATH); install Debian's nginx package (./test.sh does) to run the replica test.";
        }
    }
}

/// <summary>
/// Three <c>qianru serve</c> processes behind nginx with the repository's deploy/nginx/qianru.conf: under a bounded
/// load, one replica is killed (SIGKILL) and another stopped (SIGTERM) mid-run, and no client request fails, every
/// vector equals a single server's, and nginx never gets a 200 from a replica after that replica's /health said 503.
/// </summary>
public sealed class ReplicasBehindNginxTests(ITestOutputHelper output)
{
    private const int Requests = 2000;
    private const int Clients = 32;

    [NginxFact]
    public async Task KillingAndStoppingReplicasUnderLoadFailsNoRequest()
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "Qianru.Cli.dll");
        var config = Path.Combine(AppContext.BaseDirectory, "deploy", "nginx", "qianru.conf");
        var startup = TimeSpan.FromMinutes(3);
        string[] args = ["--threads", "1", "--drain-seconds", "2"];
        var replicas = new List<ReplicaSet.Replica>();
        ReplicaSet.Nginx? nginx = null;
        try
        {
            foreach (var task in Enumerable.Range(0, 3).Select(_ => ReplicaSet.StartReplicaAsync(cli, args, startup)).ToArray())
            {
                replicas.Add(await task);
            }

            var (killed, stopped, kept) = (replicas[0], replicas[1], replicas[2]);
            var sentences = Enumerable.Range(0, 100).Select(Sentence).ToArray();
            using var direct = new HttpClient { BaseAddress = kept.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
            var reference = new float[sentences.Length][];
            for (var i = 0; i < sentences.Length; i++)
            {
                var (status, vector) = await EmbedAsync(direct, sentences[i]);
                Assert.Equal(HttpStatusCode.OK, status);
                reference[i] = vector!;
            }

            nginx = await ReplicaSet.StartNginxAsync(ReplicaSet.FindNginx()!, config, ReplicaSet.FreePort(), [.. replicas.Select(r => r.Port)], TimeSpan.FromSeconds(30));

            // Watch the stopped replica's /health from outside, as an active health checker would.
            using var watching = new CancellationTokenSource();
            var health = WatchHealthAsync(stopped.BaseAddress, watching.Token);

            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Clients }) { BaseAddress = nginx.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
            var statuses = new HttpStatusCode[Requests];
            var vectors = new float[]?[Requests];
            var errors = new string?[Requests];
            var next = -1;
            var done = 0;
            var killedAt = 0;
            var stoppedAt = 0;
            await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < Requests)
                {
                    try
                    {
                        (statuses[i], vectors[i]) = await EmbedAsync(http, sentences[i % sentences.Length]);
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        errors[i] = e.Message;
                    }

                    var count = Interlocked.Increment(ref done);
                    if (count == Requests / 4 && Interlocked.Exchange(ref killedAt, count) == 0)
                    {
                        killed.Process.Kill(); // SIGKILL, mid-load
                    }
                    else if (count == Requests / 2 && Interlocked.Exchange(ref stoppedAt, count) == 0)
                    {
                        ReplicaSet.Terminate(stopped.Process); // SIGTERM: drain, then exit
                    }
                }
            })));

            Assert.True(stopped.Process.WaitForExit(60_000), $"the SIGTERMed replica did not exit: {stopped.Log}");
            await watching.CancelAsync();
            var observed = await health;

            // Zero failed client requests, and every vector is the single server's.
            var failed = Enumerable.Range(0, Requests).Where(i => statuses[i] != HttpStatusCode.OK).ToArray();
            Assert.True(failed.Length == 0, $"{failed.Length} requests failed, e.g. #{failed.FirstOrDefault()}: {statuses[failed.FirstOrDefault()]} {errors[failed.FirstOrDefault()]}\nnginx: {nginx.ErrorLog}");
            for (var i = 0; i < Requests; i++)
            {
                var expected = reference[i % sentences.Length];
                var actual = vectors[i]!;
                Assert.Equal(expected.Length, actual.Length);
                var worst = expected.Zip(actual, (a, b) => MathF.Abs(a - b)).Max();
                Assert.True(worst <= 1e-5f, $"request {i}: a component differs by {worst} from the single server's vector");
            }

            Assert.Equal(0, stopped.Process.ExitCode);
            Assert.Contains("qianru: stopped.", stopped.Log, StringComparison.Ordinal);

            // The stopped replica's /health said 503 while it drained (the port still open), and nginx got no 200 from it
            // for any request that began after that: requests routed to it then were answered 503 and retried elsewhere.
            var notReady = observed.FirstOrDefault(o => o.Status == HttpStatusCode.ServiceUnavailable);
            Assert.True(notReady.At > 0, $"the stopped replica's /health never answered 503 before it closed: {string.Join(", ", observed.Select(o => o.Status).Distinct())}");
            var log = nginx.AccessLog.Select(Parse).Where(l => l is not null).Select(l => l!.Value).ToArray();
            Assert.True(log.Length >= Requests, $"the access log has {log.Length} lines");
            var stoppedAddress = $"127.0.0.1:{stopped.Port}";
            var servedAfter = log.Where(l => l.Start > notReady.At && l.Attempts.Any(a => a.Address == stoppedAddress && a.Status == "200")).ToArray();
            Assert.True(servedAfter.Length == 0, $"{servedAfter.Length} requests that began after the replica's /health said 503 were served by it");

            var window = observed.Where(o => o.Status == HttpStatusCode.ServiceUnavailable).Select(o => o.At).ToArray();
            output.WriteLine($"{Requests} requests from {Clients} clients through nginx: {log.Count(l => l.Attempts.Length > 1)} retried on another replica; "
                + $"the killed replica failed {log.Sum(l => l.Attempts.Count(a => a.Address == $"127.0.0.1:{killed.Port}" && a.Status != "200"))} attempts, "
                + $"the stopped one answered 503 to {log.Sum(l => l.Attempts.Count(a => a.Address == stoppedAddress && a.Status == "503"))} while its /health said 503 for {window[^1] - window[0]:F2} s; "
                + $"requests served by each replica: {string.Join(", ", replicas.Select(r => log.Count(l => l.Attempts[^1].Address == $"127.0.0.1:{r.Port}" && l.Attempts[^1].Status == "200")))}.");

            // The failures were real and nginx retried them: attempts on the killed replica failed, and the stopped one
            // answered 503 to what reached it while draining.
            Assert.Contains(log, l => l.Attempts.Length > 1);
            Assert.Contains(log, l => l.Attempts.Any(a => a.Address == stoppedAddress && a.Status == "503"));
            Assert.Contains(log, l => l.Attempts.Any(a => a.Address == $"127.0.0.1:{killed.Port}" && a.Status is "502" or "504" or "-"));
        }
        finally
        {
            nginx?.Dispose();
            foreach (var replica in replicas)
            {
                replica.Dispose();
            }
        }
    }

    /// <summary>Generated sentences of different lengths, so that batches mix lengths.</summary>
    private static string Sentence(int i)
    {
        string[] words = ["river", "lantern", "quiet", "market", "orbit", "copper", "harvest", "signal", "meadow", "engine", "winter", "paper"];
        var text = new StringBuilder();
        for (var k = 0; k < 3 + (i * 7 % 29); k++)
        {
            text.Append(words[(i * 5 + k * 3) % words.Length]).Append(' ');
        }

        return text.Append(i.ToString(CultureInfo.InvariantCulture)).ToString();
    }

    private static async Task<(HttpStatusCode Status, float[]? Vector)> EmbedAsync(HttpClient http, string text)
    {
        using var content = new StringContent(JsonSerializer.Serialize(new { input = text }), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync("v1/embeddings", content);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (response.StatusCode, null);
        }

        var embedding = JsonDocument.Parse(body).RootElement.GetProperty("data")[0].GetProperty("embedding");
        return (response.StatusCode, [.. embedding.EnumerateArray().Select(e => e.GetSingle())]);
    }

    /// <summary>Polls /health every 10 ms until the port closes; each answer with its Unix time in seconds.</summary>
    private static async Task<List<(double At, HttpStatusCode Status)>> WatchHealthAsync(Uri replica, CancellationToken stop)
    {
        var seen = new List<(double, HttpStatusCode)>();
        using var http = new HttpClient { BaseAddress = replica, Timeout = TimeSpan.FromSeconds(5) };
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var response = await http.GetAsync("health", stop);
                seen.Add((DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0, response.StatusCode));
            }
            catch (HttpRequestException)
            {
                if (seen.Count > 0)
                {
                    break; // the port is closed: the replica has stopped
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }

            await Task.Delay(10, CancellationToken.None);
        }

        return seen;
    }

    /// <summary>One access-log line: when the request began (Unix seconds) and each upstream attempt with its status.</summary>
    private static (double Start, (string Address, string Status)[] Attempts)? Parse(string line)
    {
        // 1712345678.123 0.045 200 "127.0.0.1:1, 127.0.0.1:2" "503, 200"
        var quoted = line.Split('"');
        var head = line.Split(' ');
        if (quoted.Length < 5 || head.Length < 3)
        {
            return null;
        }

        var end = double.Parse(head[0], CultureInfo.InvariantCulture);
        var took = double.Parse(head[1], CultureInfo.InvariantCulture);
        var addresses = quoted[1].Split([", ", " : "], StringSplitOptions.None);
        var codes = quoted[3].Split([", ", " : "], StringSplitOptions.None);
        return (end - took, [.. addresses.Zip(codes, (a, c) => (a.Trim(), c.Trim()))]);
    }
}
