using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Qianru.Cli.Tests.Support;

namespace Qianru.Bench;

/// <summary>
/// <c>serve --replicas [--count 3] [--clients 64] [--rounds 3] [--threads N]</c>: requests/s of one <c>qianru serve</c>
/// process against nginx (deploy/nginx/qianru.conf) in front of one and in front of <c>--count</c> replicas, the same
/// load as <c>serve</c> (one sentence per request to <c>POST /v1/embeddings</c>), rounds alternating. Needs nginx.
/// </summary>
internal static class ReplicaBench
{
    public static int Run(string[] args)
    {
        var nginxPath = ReplicaSet.FindNginx();
        if (nginxPath is null)
        {
            Console.Error.WriteLine("nginx not found; install Debian's nginx package.");
            return 2;
        }

        var file = BenchPaths.Sentences(args);
        var count = int.Parse(Arg(args, "--count") ?? "3", CultureInfo.InvariantCulture);
        var clients = int.Parse(Arg(args, "--clients") ?? "64", CultureInfo.InvariantCulture);
        var rounds = int.Parse(Arg(args, "--rounds") ?? "3", CultureInfo.InvariantCulture);
        var threads = Arg(args, "--threads");
        var sentences = File.ReadAllLines(file).Where(l => l.Trim().Length > 0).ToArray();
        var cli = Path.Combine(AppContext.BaseDirectory, "Qianru.Cli.dll");
        var config = Path.Combine(AppContext.BaseDirectory, "deploy", "nginx", "qianru.conf");
        string[] serveArgs = threads is null ? [] : ["--threads", threads];
        var replicas = new List<ReplicaSet.Replica>();
        var nginxes = new List<ReplicaSet.Nginx>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                replicas.Add(ReplicaSet.StartReplicaAsync(cli, serveArgs, TimeSpan.FromMinutes(3)).GetAwaiter().GetResult());
            }

            var nginxOne = ReplicaSet.StartNginxAsync(nginxPath, config, ReplicaSet.FreePort(), [replicas[0].Port], TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
            nginxes.Add(nginxOne);
            var nginxAll = ReplicaSet.StartNginxAsync(nginxPath, config, ReplicaSet.FreePort(), [.. replicas.Select(r => r.Port)], TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
            nginxes.Add(nginxAll);
            Console.WriteLine($"{sentences.Length} sentences from {file}, {Environment.ProcessorCount} processors, {clients} clients, {rounds} rounds, replicas: {count} × qianru serve {string.Join(' ', serveArgs)}");
            var setups = new (string Name, Uri Address)[]
            {
                ("1 replica, direct", replicas[0].BaseAddress),
                ("1 replica behind nginx", nginxOne.BaseAddress),
                ($"{count} replicas behind nginx", nginxAll.BaseAddress),
            };
            var results = setups.ToDictionary(s => s.Name, _ => new List<Result>());
            foreach (var (_, address) in setups)
            {
                Load(address, sentences.Take(clients * 2).ToArray(), clients); // warm-up
            }

            for (var round = 0; round < rounds; round++)
            {
                foreach (var (name, address) in setups)
                {
                    var r = Load(address, sentences, clients);
                    results[name].Add(r);
                    Console.WriteLine($"round {round + 1}, {name}: {r.Rate:F1} requests/s, p50 {r.P50:F0} ms, p99 {r.P99:F0} ms, failed {r.Failed}");
                }
            }

            Console.WriteLine();
            Console.WriteLine("| setup | requests/s (median of rounds) | p50 / p99 ms (median round) | failed |");
            Console.WriteLine("|---|---|---|---|");
            foreach (var (name, _) in setups)
            {
                var list = results[name];
                var median = list.OrderBy(r => r.Rate).ElementAt(list.Count / 2);
                Console.WriteLine($"| {name} | {median.Rate:F1} ({list.Min(r => r.Rate):F1}..{list.Max(r => r.Rate):F1}) | {median.P50:F0} / {median.P99:F0} | {list.Sum(r => r.Failed)} |");
            }

            return results.Values.Sum(l => l.Sum(r => r.Failed)) == 0 ? 0 : 1;
        }
        finally
        {
            foreach (var n in nginxes)
            {
                n.Dispose();
            }

            foreach (var r in replicas)
            {
                r.Dispose();
            }
        }
    }

    private sealed record Result(double Rate, double P50, double P99, int Failed);

    private static Result Load(Uri address, string[] sentences, int clients)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients }) { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
        var bodies = sentences.Select(s => JsonSerializer.Serialize(new { input = s })).ToArray();
        var latencies = new double[bodies.Length];
        var ok = new bool[bodies.Length];
        var next = -1;
        var watch = Stopwatch.StartNew();
        Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < bodies.Length)
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.PostAsync("v1/embeddings", new StringContent(bodies[i], Encoding.UTF8, "application/json"));
                    await response.Content.ReadAsByteArrayAsync();
                    ok[i] = response.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                }

                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }))).GetAwaiter().GetResult();
        var seconds = watch.Elapsed.TotalSeconds;
        var sorted = latencies.Where((_, i) => ok[i]).Order().ToArray();
        double Percentile(double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        return new Result(sorted.Length / seconds, Percentile(0.5), Percentile(0.99), bodies.Length - sorted.Length);
    }

    private static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
