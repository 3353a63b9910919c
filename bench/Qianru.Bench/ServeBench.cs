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
/// Usage: <c>serve [--sentences FILE] [--clients 64] [--rounds 3] [--model minilm] [--model-batch 8]</c>.
/// </summary>
internal static class ServeBench
{
    public static int Run(string[] args)
    {
        var file = BenchPaths.Sentences(args);
        var clients = int.Parse(Arg(args, "--clients") ?? "64", CultureInfo.InvariantCulture);
        var rounds = int.Parse(Arg(args, "--rounds") ?? "3", CultureInfo.InvariantCulture);
        var modelId = Arg(args, "--model") ?? "minilm";
        var modelBatch = int.Parse(Arg(args, "--model-batch") ?? "8", CultureInfo.InvariantCulture);
        var sentences = File.ReadAllLines(file).Where(l => l.Trim().Length > 0).ToArray();
        using var embedder = SentenceEmbedder.Create(modelId);
        Console.WriteLine($"model {modelId}, {sentences.Length} sentences from {file}, {Environment.ProcessorCount} processors, {clients} clients, {rounds} rounds, model batch {modelBatch}");
        embedder.EmbedBatch(sentences.Take(64).ToArray());

        // Rounds alternate the offline batch run and the server run, so that drift in machine load hits both alike.
        var offlineRates = new List<double>();
        var chunkRates = new List<double>();
        var results = new List<ServerResult>();
        for (var round = 0; round < rounds; round++)
        {
            var watch = Stopwatch.StartNew();
            embedder.EmbedBatch(sentences);
            offlineRates.Add(sentences.Length / watch.Elapsed.TotalSeconds);

            // What the queue can do at best: batches of 32 sentences in arrival order, length-sorted inside.
            watch.Restart();
            for (var i = 0; i < sentences.Length; i += 32)
            {
                embedder.EmbedBatch(sentences[i..Math.Min(i + 32, sentences.Length)], new EmbedOptions { BatchSize = modelBatch });
            }

            chunkRates.Add(sentences.Length / watch.Elapsed.TotalSeconds);
            results.Add(RunServer(embedder, sentences, clients, modelBatch).GetAwaiter().GetResult());
            Console.WriteLine($"round {round + 1}: offline {offlineRates[^1]:F1}/s, offline 32-chunks {chunkRates[^1]:F1}/s, server {results[^1].Rate:F1}/s ({results[^1].Rate / offlineRates[^1]:P0}), p50 {results[^1].P50:F0} ms, p99 {results[^1].P99:F0} ms, model busy {results[^1].Busy:P0} of the time");
        }

        var ratios = results.Select((r, i) => r.Rate / offlineRates[i]).Order().ToArray();
        var best = results.OrderBy(r => r.Rate).ElementAt(results.Count / 2);
        Console.WriteLine();
        Console.WriteLine("| measure | value |");
        Console.WriteLine("|---|---|");
        Console.WriteLine($"| offline batch throughput (one EmbedBatch of {sentences.Length}, median of rounds) | {Median(offlineRates):F1} sentences/s |");
        Console.WriteLine($"| offline, batches of 32 in arrival order (median) | {Median(chunkRates):F1} sentences/s |");
        Console.WriteLine($"| server throughput ({clients} clients, 1 sentence per request, median) | {Median([.. results.Select(r => r.Rate)]):F1} requests/s |");
        Console.WriteLine($"| server / offline, per round (median; min..max) | {ratios[ratios.Length / 2]:P0} ({ratios[0]:P0}..{ratios[^1]:P0}) |");
        Console.WriteLine($"| latency p50 / p90 / p99 / max (median round) | {best.P50:F0} / {best.P90:F0} / {best.P99:F0} / {best.Max:F0} ms |");
        Console.WriteLine($"| requests: 200 / 429 / other (all rounds) | {results.Sum(r => r.Ok)} / {results.Sum(r => r.Rejected)} / {results.Sum(r => r.Other)} |");
        Console.WriteLine($"| mean inputs per dynamic batch | {results.Average(r => r.MeanBatch):F1} |");
        Console.WriteLine($"| time the model was running (mean of rounds) | {results.Average(r => r.Busy):P0} |");
        return results.Sum(r => r.Other) == 0 ? 0 : 1;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private sealed record ServerResult(double Rate, double P50, double P90, double P99, double Max, int Ok, int Rejected, int Other, double MeanBatch, double Busy);

    private static async Task<ServerResult> RunServer(SentenceEmbedder embedder, string[] sentences, int clients, int modelBatch)
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

        var total = sentences.Length;
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
        return new ServerResult(ok.Length / seconds, Percentile(0.50), Percentile(0.90), Percentile(0.99), ok.Length == 0 ? double.NaN : ok[^1],
            ok.Length, statuses.Count(s => s == HttpStatusCode.TooManyRequests), statuses.Count(s => s is not (HttpStatusCode.OK or HttpStatusCode.TooManyRequests)),
            batches == 0 ? 0 : (after.Inputs - before.Inputs) / batches, (after.ModelSeconds - before.ModelSeconds) / seconds);
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

    private static async Task<(double Batches, double Inputs, double ModelSeconds)> Metrics(HttpClient http)
    {
        var text = await http.GetStringAsync("metrics");
        double Value(string name) => double.Parse(text.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal)).Split(' ')[1], CultureInfo.InvariantCulture);
        return (Value("qianru_batch_inputs_count"), Value("qianru_batch_inputs_sum"), Value("qianru_batch_duration_seconds_sum"));
    }

    private static string? Arg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
