using Qianru.Numerics;

namespace Qianru.Clustering;

/// <summary>
/// Density-based clustering (DBSCAN) giving the same labels as scikit-learn's <c>sklearn.cluster.DBSCAN</c> for the
/// same row order: a neighbour is at distance ≤ eps, min_samples counts the row itself, clusters are numbered in the
/// order of their lowest-index core sample, and a border row reachable from two clusters joins the lower-numbered one.
/// </summary>
/// <remarks>
/// Thread-safe: <c>Fit</c> keeps no state. Neighbours are found block by block on all cores with a float32 SIMD
/// kernel; pairs within float32 rounding of eps are decided again in double precision. Memory is the neighbour pairs (one int each),
/// never an n × n matrix. See <see href="https://scikit-learn.org/stable/modules/generated/sklearn.cluster.DBSCAN.html"/>.
/// </remarks>
public static class Dbscan
{
    private const int BlockA = 64;
    private const int BlockB = 256;

    /// <summary>Clusters <paramref name="vectors"/> (or, for <see cref="DistanceMetric.Precomputed"/>, the rows of a distance matrix).</summary>
    /// <param name="vectors">The rows.</param>
    /// <param name="options">Settings; <c>null</c> uses the defaults (eps 0.5, min_samples 5, Euclidean).</param>
    /// <param name="cancellationToken">Checked every block of 64 × 256 pairs, so a cancelled fit stops within milliseconds.</param>
    /// <exception cref="ArgumentException">No rows, ragged rows, NaN or infinity, or a precomputed matrix that is not square.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static DbscanResult Fit(IReadOnlyList<float[]> vectors, DbscanOptions? options = null, CancellationToken cancellationToken = default) =>
        FitCore(ClusterInput.From(vectors), options ?? new DbscanOptions(), cancellationToken);

    /// <summary>Clusters the rows of <paramref name="vectors"/> (or, for <see cref="DistanceMetric.Precomputed"/>, of a distance matrix), without copying them.</summary>
    /// <param name="vectors">The rows.</param>
    /// <param name="options">Settings; <c>null</c> uses the defaults (eps 0.5, min_samples 5, Euclidean).</param>
    /// <param name="cancellationToken">Checked every block of 64 × 256 pairs, so a cancelled fit stops within milliseconds.</param>
    /// <exception cref="ArgumentException">No rows, NaN or infinity, or a precomputed matrix that is not square.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static DbscanResult Fit(VectorMatrix vectors, DbscanOptions? options = null, CancellationToken cancellationToken = default) =>
        FitCore(ClusterInput.From(vectors), options ?? new DbscanOptions(), cancellationToken);

    private static DbscanResult FitCore(VectorMatrix x, DbscanOptions options, CancellationToken cancellationToken)
    {
        if (options.Metric == DistanceMetric.Precomputed)
        {
            var neighbours = PrecomputedNeighbours(x, options.Eps, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            return Cluster(neighbours, options.MinSamples);
        }

        var pairs = options.Metric == DistanceMetric.Cosine
            ? CosineNeighbours(x, options.Eps, cancellationToken)
            : EuclideanNeighbours(x, options.Eps, cancellationToken);
        return Cluster(pairs, options.MinSamples);
    }

    /// <summary>scikit-learn's <c>dbscan_inner</c>: depth-first expansion from each unlabelled core sample in index order.</summary>
    internal static DbscanResult Cluster(int[][] neighbours, int minSamples)
    {
        var n = neighbours.Length;
        var isCore = new bool[n];
        var cores = new List<int>();
        for (var i = 0; i < n; i++)
        {
            if (neighbours[i].Length >= minSamples)
            {
                isCore[i] = true;
                cores.Add(i);
            }
        }

        var labels = new int[n];
        Array.Fill(labels, -1);
        var stack = new Stack<int>();
        var label = 0;
        for (var start = 0; start < n; start++)
        {
            if (labels[start] != -1 || !isCore[start])
            {
                continue;
            }

            var i = start;
            while (true)
            {
                if (labels[i] == -1)
                {
                    labels[i] = label;
                    if (isCore[i])
                    {
                        foreach (var j in neighbours[i])
                        {
                            if (labels[j] == -1)
                            {
                                stack.Push(j);
                            }
                        }
                    }
                }

                if (stack.Count == 0)
                {
                    break;
                }

                i = stack.Pop();
            }

            label++;
        }

        return new DbscanResult(labels, cores.ToArray(), label);
    }

    private static int[][] PrecomputedNeighbours(VectorMatrix x, double eps, CancellationToken cancellationToken)
    {
        if (x.Rows != x.Dimensions)
        {
            throw new ArgumentException(
                $"A precomputed distance matrix must be square, but it has {x.Rows} rows of {x.Dimensions} values.", "vectors");
        }

        var result = new int[x.Rows][];
        Parallel.For(0, x.Rows, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            var row = x.Row(i);
            var list = new List<int>();
            for (var j = 0; j < row.Length; j++)
            {
                if (row[j] <= eps)
                {
                    list.Add(j);
                }
            }

            result[i] = list.ToArray();
        });
        return result;
    }

    private static Pairs EuclideanNeighbours(VectorMatrix x, double eps, CancellationToken cancellationToken)
    {
        var norms = Kernels.SquaredNorms(x);
        var eps2 = eps * eps;

        // Reject quickly when dot < h[i] + h[j], i.e. approx > eps² + slack·(‖x‖² + ‖y‖²).
        var h = norms.Select(v => (float)(((1 - Kernels.Float32Slack) * v - eps2 / 2) / 2 - 1e-6 * (v + 1))).ToArray();

        // Accept at once when dot ≥ a[i] + a[j], i.e. approx < eps² − slack·(‖x‖² + ‖y‖²) with a margin for float32 sums.
        var a = norms.Select(v => (float)(((1 + Kernels.Float32Slack) * v - eps2 / 2) / 2 + 1e-6 * (v + 1))).ToArray();
        return Neighbours(x, x.Data, h, a, (i, j, dot) =>
        {
            var approx = norms[i] + norms[j] - 2.0 * dot;
            var slack = Kernels.Float32Slack * (norms[i] + norms[j]) + 1e-300;
            if (approx < eps2 - slack)
            {
                return true;
            }

            if (approx > eps2 + slack)
            {
                return false;
            }

            return Kernels.SquaredDistance(x.Row(i), x.Row(j)) <= eps2;
        }, cancellationToken);
    }

    private static Pairs CosineNeighbours(VectorMatrix x, double eps, CancellationToken cancellationToken)
    {
        var norms = Kernels.SquaredNorms(x);
        var unit = new float[x.Data.Length];
        for (var i = 0; i < x.Rows; i++)
        {
            var norm = Math.Sqrt(norms[i]);
            if (norm > 0)
            {
                var row = x.Row(i);
                var target = unit.AsSpan(i * x.Dimensions, x.Dimensions);
                for (var t = 0; t < row.Length; t++)
                {
                    target[t] = (float)(row[t] / norm);
                }
            }
        }

        // Reject quickly when dot < h[i] + h[j] = 1 − eps − slack; zero rows go to the exact test.
        var h = norms.Select(v => v > 0 ? (float)((1 - eps - 2 * Kernels.Float32Slack) / 2 - 1e-6) : float.NegativeInfinity).ToArray();

        // Accept at once when dot ≥ a[i] + a[j] = 1 − eps + slack (plus a margin); zero rows never.
        var a = norms.Select(v => v > 0 ? (float)((1 - eps + 2 * Kernels.Float32Slack) / 2 + 1e-6) : float.PositiveInfinity).ToArray();
        return Neighbours(x, unit, h, a, (i, j, dot) =>
        {
            if (i == j)
            {
                return true;
            }

            var approx = 1.0 - dot;
            const double slack = 2 * Kernels.Float32Slack;
            if (approx < eps - slack)
            {
                return true;
            }

            if (approx > eps + slack)
            {
                return false;
            }

            var denominator = Math.Sqrt(norms[i]) * Math.Sqrt(norms[j]);
            var cosine = denominator > 0 ? Kernels.Dot(x.Row(i), x.Row(j)) / denominator : 0.0;
            return Math.Clamp(1.0 - cosine, 0.0, 2.0) <= eps;
        }, cancellationToken);
    }

    /// <summary>
    /// The pairs i &lt; j at distance ≤ eps from float32 dot products of the rows of <paramref name="data"/>: a pair with
    /// dot &lt; reject[i] + reject[j] is no neighbour, one with dot ≥ accept[i] + accept[j] surely is one, and the
    /// others are decided by <paramref name="isNeighbour"/>(i, j, dot). Each pair is computed once.
    /// </summary>
    private static Pairs Neighbours(
        VectorMatrix x, float[] data, float[] reject, float[] accept, Func<int, int, float, bool> isNeighbour, CancellationToken cancellationToken)
    {
        int n = x.Rows, d = x.Dimensions;
        var blocks = (n + BlockA - 1) / BlockA;
        var pairs = new Pairs(n, blocks);
        var degreeLock = new object();
        Parallel.For(0, blocks, new ParallelOptions { CancellationToken = cancellationToken }, () => (new float[BlockA * BlockB], new int[n]), (block, _, local) =>
        {
            var (dots, degree) = local;
            var i0 = block * BlockA;
            var rows = Math.Min(BlockA, n - i0);
            var columns = new int[Math.Max(16, rows * 16)];
            var count = 0;
            var ends = new int[rows];
            var perRow = new int[rows][];
            var perRowCount = new int[rows];
            for (var j0 = i0; j0 < n; j0 += BlockB)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return local; // the fit throws after the loop
                }

                var cols = Math.Min(BlockB, n - j0);
                Kernels.DotBlock(data, i0, rows, data, j0, cols, d, dots);
                for (var r = 0; r < rows; r++)
                {
                    var i = i0 + r;
                    var list = perRow[r] ??= new int[16];
                    var found = perRowCount[r];
                    float ri = reject[i], ai = accept[i];
                    var row = dots.AsSpan(r * cols, cols);
                    var rj = reject.AsSpan(j0, cols);
                    var aj = accept.AsSpan(j0, cols);
                    for (var c = Math.Max(0, i + 1 - j0); c < row.Length; c++)
                    {
                        var dot = row[c];
                        if (dot >= ri + rj[c] && (dot >= ai + aj[c] || isNeighbour(i, j0 + c, dot)))
                        {
                            if (found == list.Length)
                            {
                                Array.Resize(ref list, list.Length * 2);
                                perRow[r] = list;
                            }

                            list[found++] = j0 + c;
                            degree[j0 + c]++;
                        }
                    }

                    perRowCount[r] = found;
                }
            }

            for (var r = 0; r < rows; r++)
            {
                var found = perRowCount[r];
                degree[i0 + r] += found;
                if (count + found > columns.Length)
                {
                    Array.Resize(ref columns, Math.Max(columns.Length * 2, count + found));
                }

                if (found > 0)
                {
                    Array.Copy(perRow[r]!, 0, columns, count, found);
                }

                count += found;
                ends[r] = count;
            }

            pairs.Columns[block] = columns;
            pairs.Ends[block] = ends;
            return local;
        }, local =>
        {
            lock (degreeLock)
            {
                for (var i = 0; i < n; i++)
                {
                    pairs.Degree[i] += local.Item2[i];
                }
            }
        });
        cancellationToken.ThrowIfCancellationRequested();
        return pairs;
    }

    /// <summary>
    /// scikit-learn's labels from the pairs, without neighbour lists: core samples connected through core-core pairs
    /// form a cluster (union-find; the root of each set is its lowest index), clusters are numbered in the order of
    /// their lowest core sample, and a border row takes the lowest-numbered cluster among its core neighbours, which
    /// is the cluster whose depth-first expansion reaches it first in <c>dbscan_inner</c>.
    /// </summary>
    private static DbscanResult Cluster(Pairs pairs, int minSamples)
    {
        var n = pairs.Degree.Length;
        var isCore = new bool[n];
        var parent = new int[n];
        var coreCount = 0;
        for (var i = 0; i < n; i++)
        {
            parent[i] = i;
            if (pairs.Degree[i] + 1 >= minSamples)
            {
                isCore[i] = true;
                coreCount++;
            }
        }

        // Union core-core pairs; note (border, core) pairs, at most min_samples − 1 per border row.
        var borderPairs = new List<(int Border, int Core)>();
        for (var block = 0; block < pairs.Ends.Length; block++)
        {
            var columns = pairs.Columns[block];
            var ends = pairs.Ends[block];
            var from = 0;
            for (var r = 0; r < ends.Length; r++)
            {
                var i = block * BlockA + r;
                var to = ends[r];
                if (isCore[i])
                {
                    var ri = Find(parent, i);
                    for (var p = from; p < to; p++)
                    {
                        var j = columns[p];
                        if (!isCore[j])
                        {
                            borderPairs.Add((j, i));
                            continue;
                        }

                        var rj = Find(parent, j);
                        if (rj < ri)
                        {
                            parent[ri] = rj;
                            ri = rj;
                        }
                        else if (rj > ri)
                        {
                            parent[rj] = ri;
                        }
                    }
                }
                else
                {
                    for (var p = from; p < to; p++)
                    {
                        if (isCore[columns[p]])
                        {
                            borderPairs.Add((i, columns[p]));
                        }
                    }
                }

                from = to;
            }
        }

        var labels = new int[n];
        Array.Fill(labels, -1);
        var cores = new int[coreCount];
        var label = 0;
        coreCount = 0;
        for (var i = 0; i < n; i++)
        {
            if (isCore[i])
            {
                cores[coreCount++] = i;
                var root = Find(parent, i);
                labels[i] = root == i ? label++ : labels[root];
            }
        }

        foreach (var (border, core) in borderPairs)
        {
            var l = labels[core];
            if (labels[border] == -1 || l < labels[border])
            {
                labels[border] = l;
            }
        }

        return new DbscanResult(labels, cores, label);
    }

    private static int Find(int[] parent, int i)
    {
        while (parent[i] != i)
        {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }

        return i;
    }

    /// <summary>Neighbour pairs i &lt; j by blocks of <see cref="BlockA"/> rows, and each row's neighbour count (itself excluded).</summary>
    private sealed class Pairs(int n, int blocks)
    {
        /// <summary>Per block, the j of each pair, row by row, ascending within a row.</summary>
        public int[][] Columns { get; } = new int[blocks][];

        /// <summary>Per block, the end in <see cref="Columns"/> of each row's pairs.</summary>
        public int[][] Ends { get; } = new int[blocks][];

        /// <summary>The neighbour count of each row, itself excluded.</summary>
        public int[] Degree { get; } = new int[n];
    }
}
