namespace Qianru.Clustering;

/// <summary>
/// Density-based clustering (DBSCAN) giving the same labels as scikit-learn's <c>sklearn.cluster.DBSCAN</c> for the
/// same row order: a neighbour is at distance ≤ eps, min_samples counts the row itself, clusters are numbered in the
/// order of their lowest-index core sample, and a border row reachable from two clusters joins the lower-numbered one.
/// </summary>
/// <remarks>
/// Thread-safe: <see cref="Fit"/> keeps no state. Neighbours are found block by block on all cores with a float32 SIMD
/// kernel; pairs within float32 rounding of eps are decided again in double precision. Memory is the neighbour lists,
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
    public static DbscanResult Fit(IReadOnlyList<float[]> vectors, DbscanOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new DbscanOptions();
        var x = RowMatrix.From(vectors);
        var neighbours = options.Metric switch
        {
            DistanceMetric.Precomputed => PrecomputedNeighbours(x, options.Eps, cancellationToken),
            DistanceMetric.Cosine => CosineNeighbours(x, options.Eps, cancellationToken),
            _ => EuclideanNeighbours(x, options.Eps, cancellationToken),
        };
        cancellationToken.ThrowIfCancellationRequested();
        return Cluster(neighbours, options.MinSamples);
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

    private static int[][] PrecomputedNeighbours(RowMatrix x, double eps, CancellationToken cancellationToken)
    {
        if (x.Rows != x.Columns)
        {
            throw new ArgumentException(
                $"A precomputed distance matrix must be square, but it has {x.Rows} rows of {x.Columns} values.", "vectors");
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

    private static int[][] EuclideanNeighbours(RowMatrix x, double eps, CancellationToken cancellationToken)
    {
        var norms = Kernels.SquaredNorms(x);
        var eps2 = eps * eps;

        // Reject quickly when dot < h[i] + h[j], i.e. approx > eps² + slack·(‖x‖² + ‖y‖²).
        var h = norms.Select(v => (float)(((1 - Kernels.Float32Slack) * v - eps2 / 2) / 2 - 1e-6 * (v + 1))).ToArray();
        return Neighbours(x, x.Data, h, (i, j, dot) =>
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

    private static int[][] CosineNeighbours(RowMatrix x, double eps, CancellationToken cancellationToken)
    {
        var norms = Kernels.SquaredNorms(x);
        var unit = new float[x.Data.Length];
        for (var i = 0; i < x.Rows; i++)
        {
            var norm = Math.Sqrt(norms[i]);
            if (norm > 0)
            {
                var row = x.Row(i);
                var target = unit.AsSpan(i * x.Columns, x.Columns);
                for (var t = 0; t < row.Length; t++)
                {
                    target[t] = (float)(row[t] / norm);
                }
            }
        }

        // Reject quickly when dot < h[i] + h[j] = 1 − eps − slack; zero rows go to the exact test.
        var h = norms.Select(v => v > 0 ? (float)((1 - eps - 2 * Kernels.Float32Slack) / 2 - 1e-6) : float.NegativeInfinity).ToArray();
        return Neighbours(x, unit, h, (i, j, dot) =>
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
    /// Neighbour lists (ascending) from float32 dot products of the rows of <paramref name="data"/>: a pair with
    /// dot &lt; reject[i] + reject[j] is no neighbour; the others are decided by <paramref name="isNeighbour"/>(i, j, dot).
    /// Each pair is computed once (j ≥ i) and entered in both lists; a row is always its own neighbour.
    /// </summary>
    private static int[][] Neighbours(RowMatrix x, float[] data, float[] reject, Func<int, int, float, bool> isNeighbour, CancellationToken cancellationToken)
    {
        int n = x.Rows, d = x.Columns;
        var blocks = (n + BlockA - 1) / BlockA;
        var pairs = new List<long>[blocks];
        Parallel.For(0, blocks, new ParallelOptions { CancellationToken = cancellationToken }, () => new float[BlockA * BlockB], (block, _, dots) =>
        {
            var i0 = block * BlockA;
            var rows = Math.Min(BlockA, n - i0);
            var found = new List<long>();
            var perRow = new List<int>[rows];
            for (var r = 0; r < rows; r++)
            {
                perRow[r] = [];
            }

            for (var j0 = i0; j0 < n; j0 += BlockB)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return dots; // the fit throws after the loop
                }

                var cols = Math.Min(BlockB, n - j0);
                Kernels.DotBlock(data, i0, rows, data, j0, cols, d, dots);
                for (var r = 0; r < rows; r++)
                {
                    var i = i0 + r;
                    var list = perRow[r];
                    var ri = reject[i];
                    var row = dots.AsSpan(r * cols, cols);
                    var rj = reject.AsSpan(j0, cols);
                    for (var c = Math.Max(0, i + 1 - j0); c < row.Length; c++)
                    {
                        if (row[c] >= ri + rj[c] && isNeighbour(i, j0 + c, row[c]))
                        {
                            list.Add(j0 + c);
                        }
                    }
                }
            }

            for (var r = 0; r < rows; r++)
            {
                foreach (var j in perRow[r])
                {
                    found.Add(((long)(i0 + r) << 32) | (uint)j);
                }
            }

            pairs[block] = found;
            return dots;
        }, _ => { });
        cancellationToken.ThrowIfCancellationRequested();

        var degree = new int[n];
        foreach (var list in pairs)
        {
            foreach (var p in list)
            {
                degree[(int)(p >> 32)]++;
                degree[(int)(uint)p]++;
            }
        }

        var result = new int[n][];
        var fill = new int[n];
        for (var i = 0; i < n; i++)
        {
            result[i] = new int[degree[i] + 1];
        }

        // Pairs come grouped by i ascending, then j ascending; entering (i, j) in j's list and self just before the
        // first j > i keeps every list ascending.
        var selfDone = new bool[n];
        foreach (var list in pairs)
        {
            foreach (var p in list)
            {
                int i = (int)(p >> 32), j = (int)(uint)p;
                if (!selfDone[i])
                {
                    result[i][fill[i]++] = i;
                    selfDone[i] = true;
                }

                result[i][fill[i]++] = j;
                result[j][fill[j]++] = i;
            }
        }

        for (var i = 0; i < n; i++)
        {
            if (!selfDone[i])
            {
                result[i][fill[i]++] = i;
            }
        }

        return result;
    }
}
