using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Qianru.IO;
using Qianru.Search;
using Qianru.Similarity;

namespace Qianru.Bench;

/// <summary>
/// Exact top-10 and HNSW search against numpy + OpenBLAS brute force and hnswlib, on the same .npy files in the
/// same run. Usage: <c>dotnet run -c Release --project bench/Qianru.Bench -- search [corpus] [queries] [dims] [hnsw-queries]</c>.
/// </summary>
internal static class SearchBench
{
    private const int K = 10;
    private const int Repeats = 15;
    private const int HnswRepeats = 5;
    private static readonly int[] EfValues = [10, 16, 24, 32, 48, 64, 96, 128];

    public static int Run(string[] args)
    {
        var corpusSize = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
        var querySize = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
        var dims = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 384;
        var hnswQuerySize = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 2000;
        var dir = Directory.CreateTempSubdirectory("qianru-searchbench-").FullName;
        Console.WriteLine($"# search benchmark: {corpusSize} x {dims} unit vectors, {querySize} queries, top-{K}; {Environment.ProcessorCount} cores; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");

        // Clustered unit vectors (topics + noise), like sentence embeddings; seeded.
        var random = new Random(2026);
        var centers = Enumerable.Range(0, 100).Select(_ => Gaussian(random, dims, 1f)).ToArray();
        float[] Sample() => Normalize(Add(centers[random.Next(centers.Length)], Gaussian(random, dims, 0.9f)));
        var corpus = Enumerable.Range(0, corpusSize).Select(_ => Sample()).ToArray();
        var queries = Enumerable.Range(0, querySize).Select(_ => Sample()).ToArray();
        var basePath = Path.Combine(dir, "base.npy");
        var queryPath = Path.Combine(dir, "queries.npy");
        VectorFile.Write(basePath, corpus);
        VectorFile.Write(queryPath, queries);

        // Qianru exact (dot = cosine on unit vectors, the same arithmetic numpy does), on matrices as the embedder and
        // vector files hand them over (numpy's arrays are contiguous too); arrays of arrays are timed apart, with the
        // one copy into a matrix they cost.
        var options = new SemanticSearchOptions { TopK = K, Metric = SimilarityMetric.Dot };
        var corpusMatrix = VectorMatrix.FromRows(corpus);
        var queryMatrix = VectorMatrix.FromRows(queries);
        SemanticSearch.Search(queryMatrix, corpusMatrix, options); // warm-up (JIT)
        var exactTimes = new List<double>();
        var arrayTimes = new List<double>();
        SearchHit[][] exact = [];
        for (var r = 0; r < Repeats; r++)
        {
            var sw = Stopwatch.StartNew();
            exact = SemanticSearch.Search(queryMatrix, corpusMatrix, options);
            exactTimes.Add(sw.Elapsed.TotalMilliseconds);
            sw.Restart();
            SemanticSearch.Search(queries, corpus, options);
            arrayTimes.Add(sw.Elapsed.TotalMilliseconds);
        }

        // Qianru HNSW (USearch), per storage precision, on a larger query set (steadier queries/s).
        var hnswQueries = Enumerable.Range(0, hnswQuerySize).Select(_ => Sample()).ToArray();
        var hnswQueryPath = Path.Combine(dir, "hnsw_queries.npy");
        VectorFile.Write(hnswQueryPath, hnswQueries);
        var hnswExact = SemanticSearch.Search(hnswQueries, corpus, options);
        var precisions = new[] { HnswPrecision.Float16, HnswPrecision.Float32, HnswPrecision.BFloat16 };
        var qianruHnsw = new Dictionary<HnswPrecision, List<(int Ef, double Recall, double Qps, double Qps1)>>();
        var buildMs = new Dictionary<HnswPrecision, double>();
        foreach (var precision in precisions)
        {
            var build = Stopwatch.StartNew();
            using var hnsw = HnswIndex.Build(corpus, new HnswOptions { Metric = SimilarityMetric.Dot, M = 16, EfConstruction = 128, Precision = precision });
            buildMs[precision] = build.Elapsed.TotalMilliseconds;
            var rows = qianruHnsw[precision] = [];
            foreach (var ef in EfValues)
            {
                var efOptions = new VectorSearchOptions { Ef = Math.Max(ef, K) };
                var efOptions1 = new VectorSearchOptions { Ef = Math.Max(ef, K), MaxDegreeOfParallelism = 1 };
                hnsw.Search(hnswQueries, K, efOptions);
                var best = double.MaxValue;
                SearchHit[][] hits = [];
                for (var r = 0; r < HnswRepeats; r++)
                {
                    var sw = Stopwatch.StartNew();
                    hits = hnsw.Search(hnswQueries, K, efOptions);
                    best = Math.Min(best, sw.Elapsed.TotalSeconds);
                }

                var best1 = double.MaxValue;
                for (var r = 0; r < HnswRepeats; r++)
                {
                    var sw = Stopwatch.StartNew();
                    hnsw.Search(hnswQueries, K, efOptions1);
                    best1 = Math.Min(best1, sw.Elapsed.TotalSeconds);
                }

                rows.Add((ef, Recall.AtK(hnswExact, hits), hnswQueries.Length / best, hnswQueries.Length / best1));
            }
        }

        // Quantized corpora (no peer): recall against exact and speed, with and without float rescoring.
        var quantized = new List<(string Name, double Recall, double Qps, long Bytes)>();
        foreach (var (kind, rescore) in new[] { (QuantizationKind.Int8, 0), (QuantizationKind.Int8, 40), (QuantizationKind.Binary, 0), (QuantizationKind.Binary, 100) })
        {
            var index = QuantizedIndex.Build(corpus, kind, metric: SimilarityMetric.Dot);
            var rescoring = new VectorSearchOptions { Rescore = rescore };
            index.Search(queries, K, rescoring);
            var best = double.MaxValue;
            SearchHit[][] hits = [];
            for (var r = 0; r < 5; r++)
            {
                var sw = Stopwatch.StartNew();
                hits = index.Search(queries, K, rescoring);
                best = Math.Min(best, sw.Elapsed.TotalSeconds);
            }

            quantized.Add(($"{kind.ToString().ToLowerInvariant()}, rescore {rescore}", Recall.AtK(exact, hits), queries.Length / best, index.QuantizedBytes));
        }

        // Peers in the same run.
        var script = Path.Combine(dir, "peers.py");
        File.WriteAllText(script, PeerScript);
        var exactIds = Path.Combine(dir, "exact_ids.json");
        File.WriteAllText(exactIds, JsonSerializer.Serialize(exact.Select(h => h.Select(x => x.Id).ToArray())));
        var hnswExactIds = Path.Combine(dir, "hnsw_exact_ids.json");
        File.WriteAllText(hnswExactIds, JsonSerializer.Serialize(hnswExact.Select(h => h.Select(x => x.Id).ToArray())));
        var peer = Process.Start(new ProcessStartInfo("/usr/bin/python3", [script, basePath, queryPath, exactIds, string.Join(",", EfValues), Repeats.ToString(CultureInfo.InvariantCulture), hnswQueryPath, hnswExactIds, HnswRepeats.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
        })!;
        var peerJson = peer.StandardOutput.ReadToEnd();
        peer.WaitForExit();
        if (peer.ExitCode != 0)
        {
            Console.Error.WriteLine("peer script failed");
            return 1;
        }

        using var peers = JsonDocument.Parse(peerJson);
        var p = peers.RootElement;
        var numpyMs = p.GetProperty("numpy_ms").EnumerateArray().Select(x => x.GetDouble()).Min();
        var qianruMs = exactTimes.Min();
        Console.WriteLine();
        Console.WriteLine($"numpy {p.GetProperty("numpy_version").GetString()}, BLAS: {p.GetProperty("blas").GetString()}; hnswlib {p.GetProperty("hnswlib_version").GetString()}");
        Console.WriteLine();
        Console.WriteLine($"## Exact top-{K}: {querySize} queries x {corpusSize} x {dims} (best of {Repeats})");
        Console.WriteLine();
        Console.WriteLine("| implementation | time (ms) | queries/s | agreement with Qianru ids |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| Qianru SemanticSearch (SIMD kernel, all cores) | {qianruMs:F1} | {querySize / qianruMs * 1000:F0} | 1.000 |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| Qianru SemanticSearch over float[][] (copied into a matrix first) | {arrayTimes.Min():F1} | {querySize / arrayTimes.Min() * 1000:F0} | 1.000 |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| numpy + OpenBLAS (Q @ B.T, argpartition) | {numpyMs:F1} | {querySize / numpyMs * 1000:F0} | {p.GetProperty("numpy_recall").GetDouble():F3} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"\nQianru / numpy time ratio: {qianruMs / numpyMs:F2} (below 1 = Qianru faster)"));
        Console.WriteLine();
        Console.WriteLine($"## HNSW (M=16, ef_construction=128), {hnswQuerySize} queries, recall@{K} against exact, best of {HnswRepeats}");
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Build: Qianru/USearch {string.Join(", ", precisions.Select(pr => $"{pr} {buildMs[pr]:F0} ms"))}; hnswlib {p.GetProperty("hnswlib_build_ms").GetDouble():F0} ms"));
        Console.WriteLine();
        Console.WriteLine("q/s: all cores; q/s 1: one thread. Qianru's default storage is float16.");
        Console.WriteLine();
        Console.WriteLine("| ef | hnswlib recall | hnswlib q/s | hnswlib q/s 1 | " + string.Join(" | ", precisions.Select(pr => $"{pr} recall | {pr} q/s | {pr} q/s 1")) + " |");
        Console.WriteLine("|---:|" + string.Concat(Enumerable.Repeat("---:|", 3 + (3 * precisions.Length))));
        var peerRows = p.GetProperty("hnswlib").EnumerateArray()
            .Select(h => (Ef: h.GetProperty("ef").GetInt32(), Recall: h.GetProperty("recall").GetDouble(), Qps: h.GetProperty("qps").GetDouble(), Qps1: h.GetProperty("qps1").GetDouble())).ToList();
        for (var i = 0; i < EfValues.Length; i++)
        {
            var h = peerRows[i];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {EfValues[i]} | {h.Recall:F3} | {h.Qps:F0} | {h.Qps1:F0} | ")
                + string.Join(" | ", precisions.Select(pr => string.Create(CultureInfo.InvariantCulture, $"{qianruHnsw[pr][i].Recall:F3} | {qianruHnsw[pr][i].Qps:F0} | {qianruHnsw[pr][i].Qps1:F0}"))) + " |");
        }

        // The target: queries/s at the same recall. For each hnswlib row, Qianru's q/s at that recall, interpolated
        // linearly in recall between Qianru's neighbouring rows (the first row with at least that recall if none below).
        Console.WriteLine();
        Console.WriteLine("### Queries/s at the same recall (Qianru interpolated to hnswlib's recall at each ef)");
        Console.WriteLine();
        Console.WriteLine("| hnswlib ef | recall | hnswlib q/s | " + string.Join(" | ", precisions.Select(pr => $"{pr} q/s | ratio")) + " |");
        Console.WriteLine("|---:|---:|---:|" + string.Concat(Enumerable.Repeat("---:|", 2 * precisions.Length)));
        foreach (var h in peerRows)
        {
            var cells = precisions.Select(pr =>
            {
                var qps = AtRecall(qianruHnsw[pr], h.Recall);
                return qps is { } v
                    ? string.Create(CultureInfo.InvariantCulture, $"{v:F0} | {v / h.Qps:F2}×")
                    : string.Create(CultureInfo.InvariantCulture, $"not reached (best {qianruHnsw[pr].Max(r => r.Recall):F4}) | —");
            });
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {h.Ef} | {h.Recall:F4} | {h.Qps:F0} | ") + string.Join(" | ", cells) + " |");
        }

        Console.WriteLine();
        Console.WriteLine($"## Quantized exact search (recall@{K} against float exact search; best of 5)");
        Console.WriteLine();
        Console.WriteLine("| corpus | recall@10 | queries/s | corpus bytes |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| float32 (exact) | 1.000 | {querySize / qianruMs * 1000:F0} | {(long)corpusSize * dims * 4} |"));
        foreach (var (name, recall, qps, bytes) in quantized)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {recall:F3} | {qps:F0} | {bytes} |"));
        }

        Directory.Delete(dir, recursive: true);
        return 0;
    }

    /// <summary>Queries/s at <paramref name="recall"/>, linear between the rows around it; null when never reached.</summary>
    private static double? AtRecall(List<(int Ef, double Recall, double Qps, double Qps1)> rows, double recall)
    {
        for (var i = 0; i < rows.Count; i++)
        {
            if (rows[i].Recall < recall)
            {
                continue;
            }

            var upper = rows[i].Qps;
            if (i == 0 || rows[i].Recall == rows[i - 1].Recall)
            {
                return upper;
            }

            var lower = rows[i - 1].Qps;
            var t = (recall - rows[i - 1].Recall) / (rows[i].Recall - rows[i - 1].Recall);
            return lower + (t * (upper - lower));
        }

        return null;
    }

    private static float[] Gaussian(Random random, int dims, float sigma)
    {
        var v = new float[dims];
        for (var i = 0; i < dims; i++)
        {
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            v[i] = sigma * (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }

        return v;
    }

    private static float[] Add(float[] a, float[] b) => [.. a.Zip(b, (x, y) => x + y)];

    private static float[] Normalize(float[] v)
    {
        var norm = MathF.Sqrt(v.Sum(x => x * x));
        return [.. v.Select(x => x / norm)];
    }

    private const string PeerScript = """
        import json, sys, time
        import numpy as np
        import hnswlib

        base = np.load(sys.argv[1]); queries = np.load(sys.argv[2])
        exact = [set(r) for r in json.load(open(sys.argv[3]))]
        efs = [int(x) for x in sys.argv[4].split(",")]; repeats = int(sys.argv[5]); k = 10
        hnsw_queries = np.load(sys.argv[6]); hnsw_exact = [set(r) for r in json.load(open(sys.argv[7]))]; hnsw_repeats = int(sys.argv[8])

        def recall(ids, truth=exact):
            return sum(len(truth[i] & set(int(x) for x in row[:k])) for i, row in enumerate(ids)) / sum(len(e) for e in truth)

        def numpy_topk():
            scores = queries @ base.T
            part = np.argpartition(-scores, k, axis=1)[:, :k]
            order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
            return np.take_along_axis(part, order, axis=1)

        numpy_topk()
        times = []
        for _ in range(repeats):
            t = time.perf_counter(); ids = numpy_topk(); times.append((time.perf_counter() - t) * 1000)
        numpy_recall = recall(ids)

        index = hnswlib.Index(space="ip", dim=base.shape[1])
        t = time.perf_counter()
        index.init_index(max_elements=base.shape[0], M=16, ef_construction=128, random_seed=100)
        index.add_items(base, np.arange(base.shape[0]), num_threads=-1)
        build_ms = (time.perf_counter() - t) * 1000
        rows = []
        for ef in efs:
            index.set_ef(max(ef, k))
            index.knn_query(hnsw_queries, k=k, num_threads=-1)
            best = 1e9
            for _ in range(hnsw_repeats):
                t = time.perf_counter(); labels, _ = index.knn_query(hnsw_queries, k=k, num_threads=-1); best = min(best, time.perf_counter() - t)
            best1 = 1e9
            for _ in range(hnsw_repeats):
                t = time.perf_counter(); index.knn_query(hnsw_queries, k=k, num_threads=1); best1 = min(best1, time.perf_counter() - t)
            rows.append({"ef": ef, "recall": recall(labels, hnsw_exact), "qps": len(hnsw_queries) / best, "qps1": len(hnsw_queries) / best1})

        blas = "unknown"
        try:
            import re
            maps = open("/proc/self/maps").read()
            libs = sorted(set(m for m in re.findall(r"(/\S*blas\S*)", maps)))
            blas = ", ".join(libs) if libs else "none loaded"
        except Exception:
            pass
        print(json.dumps({"numpy_version": np.__version__, "blas": blas, "numpy_ms": times, "numpy_recall": numpy_recall,
                          "hnswlib_version": getattr(hnswlib, "__version__", "0.6.2 (Debian python3-hnswlib)"),
                          "hnswlib_build_ms": build_ms, "hnswlib": rows}))
        """;
}
