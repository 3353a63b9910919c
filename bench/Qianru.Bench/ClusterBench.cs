using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Qianru.Clustering;

namespace Qianru.Bench;

/// <summary>
/// KMeans (k = 50, n_init = 1, max_iter = 100) on 100,000 × 384 and DBSCAN (cosine) on 20,000 × 384, sparse
/// (eps 0.3) and dense (eps 0.5, thousands of neighbours a row), Qianru and Debian's scikit-learn (/usr/bin/python3)
/// on the same .npy files in the same run.
/// Usage: dotnet run -c Release --project bench/Qianru.Bench -- cluster [--rows N] [--dbscan-rows N] [--repeat N] [--dbscan-only]
/// </summary>
internal static class ClusterBench
{
    private const string Python = """
        import json, sys, time
        import numpy as np
        import sklearn
        from sklearn.cluster import DBSCAN, KMeans
        task, path = sys.argv[1], sys.argv[2]
        X = np.load(path)
        if task == "kmeans++":
            t = time.perf_counter()
            km = KMeans(n_clusters=50, init="k-means++", n_init=1, max_iter=100, random_state=0).fit(X)
            s = time.perf_counter() - t
            print(json.dumps({"seconds": s, "inertia": float(km.inertia_), "iterations": int(km.n_iter_), "labels": km.labels_.tolist(), "sklearn": sklearn.__version__}))
        elif task == "kmeans-given":
            t = time.perf_counter()
            km = KMeans(n_clusters=50, init=X[:50].copy(), n_init=1, max_iter=100).fit(X)
            s = time.perf_counter() - t
            print(json.dumps({"seconds": s, "inertia": float(km.inertia_), "iterations": int(km.n_iter_), "labels": km.labels_.tolist(), "sklearn": sklearn.__version__}))
        else:
            eps, ms = float(sys.argv[3]), int(sys.argv[4])
            t = time.perf_counter()
            db = DBSCAN(eps=eps, min_samples=ms, metric="cosine").fit(X)
            s = time.perf_counter() - t
            # Mean neighbour count (the row itself included), outside the timed fit.
            U = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-30)
            count = sum(int((1.0 - U[i:i + 2000] @ U.T <= eps).sum()) for i in range(0, len(U), 2000))
            print(json.dumps({"seconds": s, "labels": db.labels_.tolist(), "neighbours": count / len(U), "sklearn": sklearn.__version__}))
        """;

    public static int Run(string[] args)
    {
        var rows = Arg(args, "--rows", 100_000);
        var dbscanRows = Arg(args, "--dbscan-rows", 20_000);
        var repeat = Arg(args, "--repeat", 1);
        const int dim = 384;
        var folder = Directory.CreateTempSubdirectory("qianru-cluster-bench-").FullName;
        try
        {
            var script = Path.Combine(folder, "peer.py");
            File.WriteAllText(script, Python);
            var dbscanData = Blobs(dbscanRows, dim, centres: 40, sigma: 0.03, noiseFraction: 0.05, seed: 2);
            var dbscanFile = Path.Combine(folder, "dbscan.npy");
            Qianru.IO.VectorFile.Write(dbscanFile, dbscanData);
            var denseData = DenseBlobs(dbscanRows, dim, seed: 3);
            var denseFile = Path.Combine(folder, "dense.npy");
            Qianru.IO.VectorFile.Write(denseFile, denseData);
            var kmeans = !args.Contains("--dbscan-only");
            Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInfo()}");
            Console.WriteLine("| task | data | Qianru (s) | scikit-learn (s) | speed-up | agreement |");
            Console.WriteLine("|---|---|---:|---:|---:|---|");

            if (kmeans)
            {
                RunKMeans(script, folder, repeat, rows, dim);
            }

            var peer = default(JsonElement);
            foreach (var (eps, data, file) in new[] { (0.3, dbscanData, dbscanFile), (0.5, denseData, denseFile) })
            {
                const int minSamples = 5;
                var (db, dbSeconds) = Time(repeat, () => Dbscan.Fit(data, new DbscanOptions { Eps = eps, MinSamples = minSamples, Metric = DistanceMetric.Cosine }));
                peer = Peer(script, repeat, "dbscan", file, eps.ToString(CultureInfo.InvariantCulture), minSamples.ToString(CultureInfo.InvariantCulture));
                var peerLabels = peer.GetProperty("labels").EnumerateArray().Select(v => v.GetInt32()).ToArray();
                Row($"DBSCAN cosine, eps={eps}, min_samples={minSamples}", $"{dbscanRows}×{dim}", dbSeconds, peer.GetProperty("seconds").GetDouble(),
                    $"labels {(db.Labels.SequenceEqual(peerLabels) ? "identical" : "DIFFER")}; {db.ClusterCount} clusters, {db.NoiseCount} noise; {peer.GetProperty("neighbours").GetDouble():F0} neighbours a row on average");
            }

            Console.WriteLine($"peer: scikit-learn {peer.GetProperty("sklearn").GetString()} (/usr/bin/python3); times are the best of {repeat}, fit only (files loaded before timing)");
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void RunKMeans(string script, string folder, int repeat, int rows, int dim)
    {
        var kmeansData = Blobs(rows, dim, centres: 60, sigma: 0.08, noiseFraction: 0.0, seed: 1);
        var kmeansFile = Path.Combine(folder, "kmeans.npy");
        Qianru.IO.VectorFile.Write(kmeansFile, kmeansData);

        // KMeans from the same given centres: identical work, identical labels expected.
        var (ours, oursSeconds) = Time(repeat, () => KMeans.Fit(kmeansData, new KMeansOptions { Clusters = 50, InitialCentres = kmeansData[..50], MaxIterations = 100 }));
        var peer = Peer(script, repeat, "kmeans-given", kmeansFile);
        var peerLabels = peer.GetProperty("labels").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var same = ours.Labels.SequenceEqual(peerLabels);
        Row("KMeans k=50, first 50 rows as centres, max_iter=100", $"{rows}×{dim}", oursSeconds, peer.GetProperty("seconds").GetDouble(),
            $"labels {(same ? "identical" : "DIFFER")}; {ours.Iterations} vs {peer.GetProperty("iterations").GetInt32()} iterations; inertia rel. diff {Math.Abs(ours.Inertia - peer.GetProperty("inertia").GetDouble()) / ours.Inertia:E1}");

        // KMeans with k-means++ seeding (different random streams).
        (ours, oursSeconds) = Time(repeat, () => KMeans.Fit(kmeansData, new KMeansOptions { Clusters = 50, Runs = 1, MaxIterations = 100, RandomState = 0 }));
        peer = Peer(script, repeat, "kmeans++", kmeansFile);
        Row("KMeans k=50, k-means++, n_init=1, max_iter=100", $"{rows}×{dim}", oursSeconds, peer.GetProperty("seconds").GetDouble(),
            $"{ours.Iterations} vs {peer.GetProperty("iterations").GetInt32()} iterations; inertia {ours.Inertia:F1} vs {peer.GetProperty("inertia").GetDouble():F1}");
    }

    private static void Row(string task, string data, double ours, double peer, string agreement) =>
        Console.WriteLine($"| {task} | {data} float32 | {ours:F2} | {peer:F2} | {peer / ours:F1}× | {agreement} |");

    private static (T, double) Time<T>(int repeat, Func<T> run)
    {
        T result = default!;
        var best = double.PositiveInfinity;
        for (var r = 0; r < repeat; r++)
        {
            var clock = Stopwatch.StartNew();
            result = run();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }

        return (result, best);
    }

    private static JsonElement Peer(string script, int repeat, params string[] args)
    {
        JsonElement best = default;
        for (var r = 0; r < repeat; r++)
        {
            var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(script);
            foreach (var a in args)
            {
                start.ArgumentList.Add(a);
            }

            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"python peer failed: {stderr.Result}");
            }

            var result = JsonDocument.Parse(output).RootElement;
            if (r == 0 || result.GetProperty("seconds").GetDouble() < best.GetProperty("seconds").GetDouble())
            {
                best = result;
            }
        }

        return best;
    }

    /// <summary>Unit-norm centres plus Gaussian noise, like sentence embeddings around topics; a fraction of rows uniform noise.</summary>
    private static float[][] Blobs(int n, int dim, int centres, double sigma, double noiseFraction, int seed)
    {
        var random = new Random(seed);
        double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var c = new double[centres][];
        for (var j = 0; j < centres; j++)
        {
            c[j] = Enumerable.Range(0, dim).Select(_ => Gaussian()).ToArray();
            var norm = Math.Sqrt(c[j].Sum(v => v * v));
            for (var t = 0; t < dim; t++)
            {
                c[j][t] /= norm;
            }
        }

        var rows = new float[n][];
        for (var i = 0; i < n; i++)
        {
            var noise = random.NextDouble() < noiseFraction;
            var centre = c[random.Next(centres)];
            rows[i] = new float[dim];
            for (var t = 0; t < dim; t++)
            {
                rows[i][t] = (float)(noise ? Gaussian() / Math.Sqrt(dim) : centre[t] + sigma * Gaussian());
            }
        }

        return rows;
    }

    /// <summary>
    /// Unit vectors in 8 tight clusters where each row has its own spread (so some rows are core and some only border),
    /// and 5% uniform noise: at eps 0.5 most rows have thousands of neighbours.
    /// </summary>
    private static float[][] DenseBlobs(int n, int dim, int seed)
    {
        var random = new Random(seed);
        double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var centres = Enumerable.Range(0, 8).Select(_ => Enumerable.Range(0, dim).Select(_ => Gaussian() / Math.Sqrt(dim)).ToArray()).ToArray();
        var rows = new float[n][];
        for (var i = 0; i < n; i++)
        {
            var noise = random.NextDouble() < 0.05;
            var centre = centres[random.Next(centres.Length)];
            var sigma = 0.015 + 0.04 * random.NextDouble();
            var row = new double[dim];
            for (var t = 0; t < dim; t++)
            {
                row[t] = noise ? Gaussian() : centre[t] + sigma * Gaussian();
            }

            var norm = Math.Sqrt(row.Sum(v => v * v));
            rows[i] = row.Select(v => (float)(v / norm)).ToArray();
        }

        return rows;
    }

    private static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string RuntimeInfo() => $"{System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}";
}
