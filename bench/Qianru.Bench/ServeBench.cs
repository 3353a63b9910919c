using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Qianru.Server;

namespace Qianru.Bench;

/// <summary>
/// Load test of <c>qianru serve</c>: 64 concurrent clients, each sending one sentence at a time to
/// <c>POST /v1/embeddings</c>, against the offline batch throughput of the same model in the same run.
/// Usage: <c>serve [--sentences FILE] [--clients 64] [--passes 2] [--model minilm] [--model-batch 8]</c>.
/// </summary>
internal static class ServeBench
{
    public static int Run(string[] args)
    {
        var file = Arg(args, "--sentences") ?? FindSentences();
        var clients = int.Parse(Arg(args, "--clients") ?? "64", CultureInfo.InvariantCulture);
        var passes = int.Parse(Arg(args, "--passes") ?? "2", CultureInfo.InvariantCulture);
        var modelId = Arg(args, "--model") ?? "minilm";
        var modelBatch = int.Parse(Arg(args, "--model-batch") ?? "8", CultureInfo.InvariantCulture);
        var sentences = File.ReadAllLines(file).Where(l => l.Trim().Length > 0).ToArray();
        using var embedder = SentenceEmbedder.Create(modelId);
        Console.WriteLine($"model {modelId}, {sentences.Length} sentences from {file}, {Environment.ProcessorCount} processors, {clients} clients, {passes} passes, model batch {modelBatch}");

        // Offline: the whole list in one EmbedBatch call (length-sorted batches of 32), best of 2 after a warm-up.
        embedder.EmbedBatch(sentences.Take(64).ToArray());
        var offline = double.MaxValue;
        for (var i = 0; i < 2; i++)
        {
            var watch = Stopwatch.StartNew();
            embedder.EmbedBatch(sentences);
            offline = Math.Min(offline, watch.Elapsed.TotalSeconds);
        }

        var offlineRate = sentences.Length / offline;
        Console.WriteLine($"offline: {offlineRate:F1} sentences/s");

        var result = RunServer(embedder, sentences, clients, passes, modelBatch).GetAwaiter().GetResult();
        var ratio = result.Rate / offlineRate;
        Console.WriteLine();
        Console.WriteLine("| measure | value |");
        Console.WriteLine("|---|---|");
        Console.WriteLine($"| offline batch throughput (EmbedBatch, 1000 sentences) | {offlineRate:F1} sentences/s |");
        Console.WriteLine($"| server throughput ({clients} clients, 1 sentence per request) | {result.Rate:F1} requests/s |");
        Console.WriteLine($"| server / offline | {ratio:P0} |");
        Console.WriteLine($"| latency p50 / p90 / p99 / max | {result.P50:F1} / {result.P90:F1} / {result.P99:F1} / {result.Max:F1} ms |");
        Console.WriteLine($"| requests: 200 / 429 / other | {result.Ok} / {result.Rejected} / {result.Other} |");
        Console.WriteLine($"| mean inputs per dynamic batch | {result.MeanBatch:F1} |");
        return result.Other == 0 ? 0 : 1;
    }

    private static async Task<(double Rate, double P50, double P90, double P99, double Max, int Ok, int Rejected, int Other, double MeanBatch)> RunServer(
        SentenceEmbedder embedder, string[] sentences, int clients, int passes, int modelBatch)
    {
        await using var server = await QianruServer.StartAsync([embedder], new QianruServerOptions { Port = 0, ModelBatchSize = modelBatch });
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = server.BaseAddress,
        };
        var bodies = sentences.Select(s => JsonSerializer.Serialize(new { model = embedder.Model.Id, input = s })).ToArray();

        // Warm-up: one request per client.
        await Task.WhenAll(Enumerable.Range(0, clients).Select(i => Send(http, bodies[i % bodies.Length])));
        var before = await Metrics(http);

        var total = sentences.Length * passes;
        var latencies = new double[total];
        var statuses = new HttpStatusCode[total];
        var next = -1;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < total)
            {
                var start = Stopwatch.GetTimestamp();
                statuses[i] = await Send(http, bodies[i % bodies.Length]);
                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        })));
        var seconds = watch.Elapsed.TotalSeconds;
        var after = await Metrics(http);
        var ok = latencies.Where((_, i) => statuses[i] == HttpStatusCode.OK).Order().ToArray();
        double Percentile(double p) => ok.Length == 0 ? double.NaN : ok[Math.Min(ok.Length - 1, (int)Math.Ceiling(p * ok.Length) - 1)];
        var batches = after.Batches - before.Batches;
        return (ok.Length / seconds, Percentile(0.50), Percentile(0.90), Percentile(0.99), ok.Length == 0 ? double.NaN : ok[^1],
            ok.Length, statuses.Count(s => s == HttpStatusCode.TooManyRequests), statuses.Count(s => s is not (HttpStatusCode.OK or HttpStatusCode.TooManyRequests)),
            batches == 0 ? 0 : (after.Inputs - before.Inputs) / batches);
    }

    private static async Task<HttpStatusCode> Send(HttpClient http, string body)
    {
        try
        {
            using var response = await http.PostAsync("v1/embeddings", new StringContent(body, Encoding.UTF8, "application/json"));
            await response.Content.ReadAsByteArrayAsync();
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }

    private static async Task<(double Batches, double Inputs)> Metrics(HttpClient http)
    {
        var text = await http.GetStringAsync("metrics");
        double Value(string name) => double.Parse(text.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal)).Split(' ')[1], CultureInfo.InvariantCulture);
        return (Value("qianru_batch_inputs_count"), Value("qianru_batch_inputs_sum"));
    }

    private static string FindSentences()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "bench", "sentences-1000.txt");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("sentences-1000.txt not found in a shared/bench folder above the program; pass --sentences FILE.");
    }

    private static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
