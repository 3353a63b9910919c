using System.Diagnostics;
using System.Globalization;
using Qianru.Collections;
using Qianru.Collections.PostgreSQL;
using Qianru.TestSupport;

namespace Qianru.Bench;

/// <summary>
/// Ingest rate of the two collection stores on the same pre-embedded vectors (so the store, not the model, is measured):
/// SQLite (one file) and PostgreSQL + pgvector, here PGlite (PostgreSQL compiled to WebAssembly, single-user, one
/// connection at a time, through tests/pglite/server.mjs): binary COPY into a temporary table and a merge, one
/// transaction per batch. Also the search latency of both, exact and HNSW.
/// Usage: <c>dotnet run -c Release --project bench/Qianru.Bench -- ingest [items] [dims] [postgres-uri]</c>; a
/// <c>postgres://…?collection=ignored</c> URI of a real PostgreSQL + pgvector server adds its rows (collections named
/// <c>bench_…</c> are created there).
/// </summary>
internal static class IngestBench
{
    public static int Run(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
        var dims = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 384;
        var realServer = args.Length > 2 ? args[2] : null;
        Console.WriteLine($"# ingest benchmark: {count} items x {dims} float32 vectors (pre-embedded); {Environment.ProcessorCount} cores; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        var random = new Random(2026);
        var vectors = Enumerable.Range(0, count).Select(_ => Unit(random, dims)).ToArray();
        var items = Enumerable.Range(0, count).Select(i => new CollectionItem($"text {i} " + new string('x', 60), $"id-{i}", $"{{\"n\": {i}}}")).ToArray();
        var queries = Enumerable.Range(0, 200).Select(_ => Unit(random, dims)).ToArray();
        var dir = Directory.CreateTempSubdirectory("qianru-ingestbench-").FullName;
        using var server = new PgliteServer();
        Console.WriteLine("| store | batch | items/s | exact search ms/query | HNSW build s | HNSW search ms/query |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        try
        {
            foreach (var batch in new[] { 32, 256 })
            {
                var info = new CollectionInfo("bench", dims, Normalized: true);
                using (var sqlite = VectorCollection.Create(Path.Combine(dir, $"c{batch}.db"), info))
                {
                    Measure($"SQLite (file)", sqlite, batch, items, vectors, queries);
                }

                using (var pg = PostgresCollection.Create(server.Uri($"bench_{batch}_{Guid.NewGuid():N}"[..24]), info))
                {
                    Measure("pgvector (PGlite)", pg, batch, items, vectors, queries);
                }

                if (realServer is not null)
                {
                    var uri = System.Text.RegularExpressions.Regex.Replace(realServer, "collection=[^&]*", "collection=" + $"bench_{batch}_{Guid.NewGuid():N}"[..24]);
                    using var real = PostgresCollection.Create(uri, info);
                    Measure("pgvector (PostgreSQL server)", real, batch, items, vectors, queries);
                }
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        return 0;
    }

    private static void Measure(string name, VectorCollection collection, int batch, CollectionItem[] items, float[][] vectors, float[][] queries)
    {
        var ingest = Stopwatch.StartNew();
        for (var start = 0; start < items.Length; start += batch)
        {
            var n = Math.Min(batch, items.Length - start);
            collection.AddVectors(items[start..(start + n)], vectors[start..(start + n)], "bench");
        }

        var rate = items.Length / ingest.Elapsed.TotalSeconds;
        var exact = Time(collection, queries[..20], CollectionIndexMode.Exact);
        var build = Stopwatch.StartNew();
        collection.RebuildIndex();
        var buildSeconds = build.Elapsed.TotalSeconds;
        var hnsw = Time(collection, queries, CollectionIndexMode.Hnsw);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {batch} | {rate:F0} | {exact:F1} | {buildSeconds:F1} | {hnsw:F2} |"));
    }

    private static double Time(VectorCollection collection, float[][] queries, CollectionIndexMode mode)
    {
        collection.Search(queries[0], 10, mode); // warm-up: loads the vectors or the index
        var watch = Stopwatch.StartNew();
        foreach (var query in queries)
        {
            collection.Search(query, 10, mode);
        }

        return watch.Elapsed.TotalMilliseconds / queries.Length;
    }

    private static float[] Unit(Random random, int dims)
    {
        var v = new float[dims];
        for (var i = 0; i < dims; i++)
        {
            v[i] = (float)(random.NextDouble() * 2 - 1);
        }

        var norm = MathF.Sqrt(v.Sum(x => x * x));
        return [.. v.Select(x => x / norm)];
    }
}
