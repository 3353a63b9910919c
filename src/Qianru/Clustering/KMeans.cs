using Qianru.Numerics;

namespace Qianru.Clustering;

/// <summary>
/// k-means clustering (Lloyd's algorithm with greedy k-means++ seeding), following scikit-learn's
/// <c>sklearn.cluster.KMeans(algorithm="lloyd")</c> step by step: same tolerance definition, same convergence tests,
/// same empty-cluster relocation, so that from the same starting centres it reaches the same labels.
/// </summary>
/// <remarks>
/// Thread-safe: <c>Fit</c> keeps no state. Distances are screened with a float32 SIMD kernel on all cores;
/// a label whose two nearest centres are within float32 rounding of each other is decided again in double precision,
/// and centres, inertia and the tolerance are accumulated in double precision, so results match scikit-learn's float64
/// computation. See <see href="https://scikit-learn.org/stable/modules/generated/sklearn.cluster.KMeans.html"/>.
/// </remarks>
public static class KMeans
{
    private const int BlockRows = 64;

    /// <summary>Clusters <paramref name="vectors"/> into <see cref="KMeansOptions.Clusters"/> groups.</summary>
    /// <param name="vectors">The rows to cluster: all the same length, finite values.</param>
    /// <param name="options">Settings; <c>null</c> uses the defaults (k = 8).</param>
    /// <param name="cancellationToken">Checked every 64 rows of every pass, so a cancelled fit stops within milliseconds.</param>
    /// <exception cref="ArgumentException">No rows, ragged rows, NaN or infinity, k greater than the number of rows, or initial centres of the wrong shape.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static KMeansResult Fit(IReadOnlyList<float[]> vectors, KMeansOptions? options = null, CancellationToken cancellationToken = default) =>
        FitCore(ClusterInput.From(vectors), options ?? new KMeansOptions(), null, cancellationToken);

    /// <summary>Clusters the rows of <paramref name="vectors"/> into <see cref="KMeansOptions.Clusters"/> groups, without copying them.</summary>
    /// <param name="vectors">The rows to cluster: finite values.</param>
    /// <param name="options">Settings; <c>null</c> uses the defaults (k = 8).</param>
    /// <param name="cancellationToken">Checked every 64 rows of every pass, so a cancelled fit stops within milliseconds.</param>
    /// <exception cref="ArgumentException">No rows, NaN or infinity, k greater than the number of rows, or initial centres of the wrong shape.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static KMeansResult Fit(VectorMatrix vectors, KMeansOptions? options = null, CancellationToken cancellationToken = default) =>
        FitCore(ClusterInput.From(vectors), options ?? new KMeansOptions(), null, cancellationToken);

    /// <summary>As <see cref="Fit(IReadOnlyList{float[]}, KMeansOptions?, CancellationToken)"/>; <paramref name="onIteration"/> gets (iteration, inertia of the labels and the updated centres) after every Lloyd step (for tests).</summary>
    internal static KMeansResult FitCore(VectorMatrix x, KMeansOptions options, Action<int, double>? onIteration, CancellationToken cancellationToken = default)
    {
        var k = options.Clusters;
        if (k > x.Rows)
        {
            throw new ArgumentException($"k (clusters) is {k} but there are only {x.Rows} rows; k must be at most the number of rows.", nameof(options));
        }

        double[]? given = null;
        if (options.InitialCentres is { } init)
        {
            if (init.Count != k)
            {
                throw new ArgumentException($"The initial centres have {init.Count} rows but k (clusters) is {k}; give one row per cluster.", nameof(options));
            }

            var centres = ClusterInput.From(init, "initial centres");
            if (centres.Dimensions != x.Dimensions)
            {
                throw new ArgumentException($"The initial centres have {centres.Dimensions} values per row but the vectors have {x.Dimensions}.", nameof(options));
            }

            given = Array.ConvertAll(centres.Data, v => (double)v);
        }

        var state = new State(x, k, options.MaxDegreeOfParallelism, cancellationToken);
        var tolerance = ScaledTolerance(x, options.Tolerance, cancellationToken);
        var runs = given is null ? options.Runs ?? 1 : 1;
        var random = new Random(options.RandomState ?? Random.Shared.Next());
        KMeansResult? best = null;
        for (var run = 0; run < runs; run++)
        {
            var start = given ?? KMeansPlusPlus(state, random);
            var result = Lloyd(state, start, options.MaxIterations, tolerance, onIteration);
            if (best is null || result.Inertia < best.Inertia)
            {
                best = result;
            }
        }

        return best!;
    }

    /// <summary>scikit-learn's <c>_tolerance</c>: mean of the per-feature (population) variances times tol.</summary>
    internal static double ScaledTolerance(VectorMatrix x, double tol, CancellationToken cancellationToken = default)
    {
        if (tol == 0)
        {
            return 0;
        }

        var d = x.Dimensions;
        var chunk = ParallelChunks.ChunkSize(x.Rows, 4096);
        var partialMeans = new double[ParallelChunks.Count(x.Rows, chunk)][];
        ParallelChunks.For(x.Rows, chunk, (c, start, end) =>
        {
            var sum = new double[d];
            for (var i = start; i < end; i++)
            {
                Kernels.AddTo(x.Row(i), sum);
            }

            partialMeans[c] = sum;
        }, cancellationToken: cancellationToken);
        var mean = new double[d];
        foreach (var p in partialMeans)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(mean, p, mean);
        }

        for (var j = 0; j < d; j++)
        {
            mean[j] /= x.Rows;
        }

        var partialVariances = new double[partialMeans.Length];
        ParallelChunks.For(x.Rows, chunk, (c, start, end) =>
        {
            var sum = 0.0;
            for (var i = start; i < end; i++)
            {
                sum += Kernels.SquaredDistance(x.Row(i), mean);
            }

            partialVariances[c] = sum;
        }, cancellationToken: cancellationToken);
        var variance = Sum(partialVariances);
        return variance / x.Rows / d * tol;
    }

    private static KMeansResult Lloyd(State s, double[] startCentres, int maxIterations, double tolerance, Action<int, double>? onIteration)
    {
        int n = s.X.Rows, d = s.X.Dimensions, k = s.K;
        var centres = (double[])startCentres.Clone();
        var labels = new int[n];
        var labelsOld = new int[n];
        Array.Fill(labelsOld, -1);
        var strict = false;
        var iteration = 0;
        for (; iteration < maxIterations; iteration++)
        {
            s.Cancel.ThrowIfCancellationRequested();
            var newCentres = s.AssignAndSum(centres, labels, updateCentres: true, out var counts);
            RelocateEmptyClusters(s, centres, newCentres, counts, labels);
            var shift = 0.0;
            for (var j = 0; j < k; j++)
            {
                var row = newCentres.AsSpan(j * d, d);
                if (counts[j] > 0)
                {
                    for (var t = 0; t < d; t++)
                    {
                        row[t] /= counts[j];
                    }
                }
                else
                {
                    // Never reached after relocation (k ≤ n); kept as scikit-learn's _average_centers does.
                    centres.AsSpan(j * d, d).CopyTo(row);
                }

                for (var t = 0; t < d; t++)
                {
                    var delta = row[t] - centres[j * d + t];
                    shift += delta * delta;
                }
            }

            centres = newCentres;
            onIteration?.Invoke(iteration + 1, s.Inertia(centres, labels));
            if (labels.AsSpan().SequenceEqual(labelsOld))
            {
                strict = true;
                break;
            }

            if (shift <= tolerance)
            {
                break;
            }

            labels.CopyTo(labelsOld, 0);
        }

        if (!strict)
        {
            s.AssignAndSum(centres, labels, updateCentres: false, out _);
        }

        var inertia = s.Inertia(centres, labels);
        var rows = new double[k][];
        for (var j = 0; j < k; j++)
        {
            rows[j] = centres.AsSpan(j * d, d).ToArray();
        }

        return new KMeansResult(labels, rows, inertia, Math.Min(iteration + 1, maxIterations));
    }

    /// <summary>
    /// scikit-learn's <c>_relocate_empty_clusters_dense</c>: each empty cluster takes the row farthest from its old
    /// centre (farthest first, lower row index on ties); that row leaves its cluster's sum but keeps its label.
    /// </summary>
    private static void RelocateEmptyClusters(State s, double[] oldCentres, double[] sums, int[] counts, int[] labels)
    {
        var empty = new List<int>();
        for (var j = 0; j < s.K; j++)
        {
            if (counts[j] == 0)
            {
                empty.Add(j);
            }
        }

        if (empty.Count == 0)
        {
            return;
        }

        var d = s.X.Dimensions;
        var distances = new double[s.X.Rows];
        for (var i = 0; i < distances.Length; i++)
        {
            distances[i] = Kernels.SquaredDistance(s.X.Row(i), oldCentres.AsSpan(labels[i] * d, d));
        }

        var order = Enumerable.Range(0, distances.Length).OrderByDescending(i => distances[i]).ThenBy(i => i).Take(empty.Count).ToArray();
        for (var e = 0; e < empty.Count; e++)
        {
            var far = order[e];
            var row = s.X.Row(far);
            var oldCluster = labels[far];
            var oldSum = sums.AsSpan(oldCluster * d, d);
            var newSum = sums.AsSpan(empty[e] * d, d);
            for (var t = 0; t < d; t++)
            {
                oldSum[t] -= row[t];
                newSum[t] = row[t];
            }

            counts[empty[e]] = 1;
            counts[oldCluster]--;
        }
    }

    /// <summary>Greedy k-means++ as scikit-learn's <c>_kmeans_plusplus</c>, with <paramref name="random"/> as the source of randomness.</summary>
    private static double[] KMeansPlusPlus(State s, Random random)
    {
        int n = s.X.Rows, d = s.X.Dimensions, k = s.K;
        var trials = 2 + (int)Math.Log(k);
        var centres = new double[k * d];
        var first = random.Next(n);
        Copy(s.X.Row(first), centres.AsSpan(0, d));
        var closest = new double[n];
        s.SquaredDistancesTo([first], [closest]);
        var potential = Sum(closest);
        var cumulative = new double[n];
        var candidates = new int[trials];
        var distances = new double[trials][];
        for (var t = 0; t < trials; t++)
        {
            distances[t] = new double[n];
        }

        for (var c = 1; c < k; c++)
        {
            s.Cancel.ThrowIfCancellationRequested();
            var running = 0.0;
            for (var i = 0; i < n; i++)
            {
                running += closest[i];
                cumulative[i] = running;
            }

            for (var t = 0; t < trials; t++)
            {
                var target = random.NextDouble() * potential;
                var index = Array.BinarySearch(cumulative, target);
                index = index >= 0 ? FirstAtLeast(cumulative, index) : ~index;
                candidates[t] = Math.Min(index, n - 1);
            }

            s.SquaredDistancesTo(candidates, distances);
            var bestTrial = 0;
            var bestPotential = double.PositiveInfinity;
            for (var t = 0; t < trials; t++)
            {
                var dt = distances[t];
                for (var i = 0; i < n; i++)
                {
                    dt[i] = Math.Min(dt[i], closest[i]);
                }

                var p = Sum(dt);
                if (p < bestPotential)
                {
                    bestPotential = p;
                    bestTrial = t;
                }
            }

            potential = bestPotential;
            (closest, distances[bestTrial]) = (distances[bestTrial], closest);
            Copy(s.X.Row(candidates[bestTrial]), centres.AsSpan(c * d, d));
        }

        return centres;

        static int FirstAtLeast(double[] sorted, int index)
        {
            while (index > 0 && sorted[index - 1] == sorted[index])
            {
                index--;
            }

            return index;
        }
    }

    private static double Sum(double[] values)
    {
        var sum = 0.0;
        foreach (var v in values)
        {
            sum += v;
        }

        return sum;
    }

    private static void Copy(ReadOnlySpan<float> from, Span<double> to)
    {
        for (var i = 0; i < from.Length; i++)
        {
            to[i] = from[i];
        }
    }

    /// <summary>The data with its row norms, and the parallel passes over it.</summary>
    private sealed class State
    {
        private readonly int _chunkSize;
        private readonly int _chunks;
        private readonly int? _parallelism;
        private readonly double[]?[] _partialSums;

        public State(VectorMatrix x, int k, int? parallelism, CancellationToken cancel)
        {
            X = x;
            K = k;
            _parallelism = parallelism;
            Cancel = cancel;
            Norms = Kernels.SquaredNorms(x);

            // Chunk boundaries depend on the shape only, so sums (and results) do not depend on the core count;
            // at most ~256 MiB of per-chunk partial sums.
            var maxChunks = (int)Math.Clamp(256L * 1024 * 1024 / Math.Max(1L, (long)k * x.Dimensions * 8), 1, 64);
            _chunkSize = Math.Max(ParallelChunks.ChunkSize(x.Rows, 256), (x.Rows + maxChunks - 1) / maxChunks);
            _chunks = ParallelChunks.Count(x.Rows, _chunkSize);
            _partialSums = new double[_chunks][];
        }

        public VectorMatrix X { get; }

        public int K { get; }

        /// <summary>Checked every block of rows; a cancelled pass stops early and throws.</summary>
        public CancellationToken Cancel { get; }

        public double[] Norms { get; }

        /// <summary>
        /// Sets every row's label to its nearest centre and, when asked, returns the per-cluster sums of the rows
        /// (not yet divided) with the counts.
        /// </summary>
        public double[] AssignAndSum(double[] centres, int[] labels, bool updateCentres, out int[] counts)
        {
            int d = X.Dimensions, k = K;
            var centresF = Array.ConvertAll(centres, v => (float)v);
            var centreNorms = new double[k];
            var maxNorm = 0.0;
            for (var j = 0; j < k; j++)
            {
                centreNorms[j] = Kernels.Dot(centresF.AsSpan(j * d, d), centresF.AsSpan(j * d, d));
                maxNorm = Math.Max(maxNorm, centreNorms[j]);
            }

            var partialSums = updateCentres ? _partialSums : null;
            var partialCounts = new int[_chunks][];
            ParallelChunks.For(X.Rows, _chunkSize, (chunk, start, end) =>
            {
                var dots = new float[BlockRows * k];
                double[]? sums = null;
                if (updateCentres)
                {
                    // Reused across iterations: no large-object-heap churn per Lloyd step.
                    sums = _partialSums[chunk] ??= new double[k * d];
                    Array.Clear(sums);
                }

                var chunkCounts = new int[k];
                for (var i0 = start; i0 < end && !Cancel.IsCancellationRequested; i0 += BlockRows)
                {
                    var rows = Math.Min(BlockRows, end - i0);
                    Kernels.DotBlock(X.Data, i0, rows, centresF, 0, k, d, dots);
                    for (var r = 0; r < rows; r++)
                    {
                        var i = i0 + r;
                        var label = Nearest(X.Row(i), Norms[i], dots.AsSpan(r * k, k), centres, centreNorms, maxNorm, d);
                        labels[i] = label;
                        chunkCounts[label]++;
                        if (sums is not null)
                        {
                            Kernels.AddTo(X.Row(i), sums.AsSpan(label * d, d));
                        }
                    }
                }

                partialCounts[chunk] = chunkCounts;
            }, _parallelism, Cancel);

            counts = new int[k];
            foreach (var c in partialCounts)
            {
                for (var j = 0; j < k; j++)
                {
                    counts[j] += c[j];
                }
            }

            if (partialSums is null)
            {
                return centres;
            }

            var total = new double[k * d];
            foreach (var p in partialSums)
            {
                System.Numerics.Tensors.TensorPrimitives.Add(total, p!, total);
            }

            return total;
        }

        private static int Nearest(
            ReadOnlySpan<float> x, double xNorm, ReadOnlySpan<float> dots, double[] centres, double[] centreNorms, double maxNorm, int d)
        {
            // Screen with float32 dot products: ||x - c||² - ||x||² ≈ ||c||² - 2 x·c.
            var best = 0;
            var bestScore = double.PositiveInfinity;
            for (var j = 0; j < dots.Length; j++)
            {
                var score = centreNorms[j] - 2.0 * dots[j];
                if (score < bestScore)
                {
                    bestScore = score;
                    best = j;
                }
            }

            var slack = Kernels.Float32Slack * (xNorm + maxNorm) + 1e-300;
            var exact = double.NaN;
            for (var j = 0; j < dots.Length; j++)
            {
                if (j == best || centreNorms[j] - 2.0 * dots[j] > bestScore + slack)
                {
                    continue;
                }

                // A near tie: decide it in double precision, lower index first on exact ties.
                if (double.IsNaN(exact))
                {
                    exact = Kernels.SquaredDistance(x, centres.AsSpan(best * d, d));
                }

                var candidate = Kernels.SquaredDistance(x, centres.AsSpan(j * d, d));
                if (candidate < exact || (candidate == exact && j < best))
                {
                    exact = candidate;
                    best = j;
                }
            }

            return best;
        }

        /// <summary>Sum of squared distances of the rows to their labelled centres, in double precision.</summary>
        public double Inertia(double[] centres, int[] labels)
        {
            var d = X.Dimensions;
            var partial = new double[_chunks];
            ParallelChunks.For(X.Rows, _chunkSize, (chunk, start, end) =>
            {
                var sum = 0.0;
                for (var i = start; i < end; i++)
                {
                    sum += Kernels.SquaredDistance(X.Row(i), centres.AsSpan(labels[i] * d, d));
                }

                partial[chunk] = sum;
            }, _parallelism, Cancel);
            return Sum(partial);
        }

        /// <summary>Writes into result[t] the squared euclidean distances from row rowsOfX[t] to every row (float32 dot products, clamped at 0).</summary>
        public void SquaredDistancesTo(int[] rowsOfX, double[][] result)
        {
            int d = X.Dimensions, m = rowsOfX.Length;
            var picked = new float[m * d];
            for (var t = 0; t < m; t++)
            {
                X.Row(rowsOfX[t]).CopyTo(picked.AsSpan(t * d, d));
            }

            ParallelChunks.For(X.Rows, _chunkSize, (_, start, end) =>
            {
                var dots = new float[BlockRows * m];
                for (var i0 = start; i0 < end && !Cancel.IsCancellationRequested; i0 += BlockRows)
                {
                    var rows = Math.Min(BlockRows, end - i0);
                    Kernels.DotBlock(X.Data, i0, rows, picked, 0, m, d, dots);
                    for (var r = 0; r < rows; r++)
                    {
                        for (var t = 0; t < m; t++)
                        {
                            var i = i0 + r;
                            var value = Norms[i] + Norms[rowsOfX[t]] - 2.0 * dots[r * m + t];
                            result[t][i] = i == rowsOfX[t] ? 0 : Math.Max(0, value);
                        }
                    }
                }
            }, _parallelism, Cancel);
        }
    }
}
