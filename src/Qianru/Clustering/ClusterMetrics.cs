using Qianru.Numerics;

namespace Qianru.Clustering;

/// <summary>Quality measures of a clustering, computed as scikit-learn's <c>sklearn.metrics</c> does.</summary>
/// <remarks>Thread-safe (no state). Distances are computed in double precision.</remarks>
public static class ClusterMetrics
{
    /// <summary>
    /// Mean silhouette coefficient over all rows (scikit-learn's <c>silhouette_score</c>): for each row,
    /// (b − a) / max(a, b) with a the mean distance to the other rows of its cluster and b the lowest mean distance to
    /// another cluster; 0 for a row alone in its cluster. Every label, -1 included, is a cluster (filter noise first if
    /// it should not count).
    /// </summary>
    /// <param name="vectors">The rows.</param>
    /// <param name="labels">One label per row.</param>
    /// <param name="metric"><see cref="DistanceMetric.Euclidean"/> (default) or <see cref="DistanceMetric.Cosine"/>.</param>
    /// <param name="cancellationToken">Checked for every row (n distances), so a cancelled call stops within milliseconds.</param>
    /// <exception cref="ArgumentException">Label count differs from the row count, or the number of distinct labels is not between 2 and n − 1.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static double Silhouette(IReadOnlyList<float[]> vectors, IReadOnlyList<int> labels, DistanceMetric metric = DistanceMetric.Euclidean, CancellationToken cancellationToken = default) =>
        SilhouetteCore(ClusterInput.From(vectors), labels, metric, cancellationToken);

    /// <summary>As <see cref="Silhouette(IReadOnlyList{float[]}, IReadOnlyList{int}, DistanceMetric, CancellationToken)"/>, over the rows of a matrix.</summary>
    /// <param name="vectors">The rows.</param>
    /// <param name="labels">One label per row.</param>
    /// <param name="metric"><see cref="DistanceMetric.Euclidean"/> (default) or <see cref="DistanceMetric.Cosine"/>.</param>
    /// <param name="cancellationToken">Checked for every row.</param>
    public static double Silhouette(VectorMatrix vectors, IReadOnlyList<int> labels, DistanceMetric metric = DistanceMetric.Euclidean, CancellationToken cancellationToken = default) =>
        SilhouetteCore(ClusterInput.From(vectors), labels, metric, cancellationToken);

    private static double SilhouetteCore(VectorMatrix x, IReadOnlyList<int> labels, DistanceMetric metric, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count != x.Rows)
        {
            throw new ArgumentException($"There are {labels.Count} labels for {x.Rows} rows; give one label per row.", nameof(labels));
        }

        if (metric == DistanceMetric.Precomputed)
        {
            throw new NotSupportedException("Silhouette supports the euclidean and cosine metrics, not precomputed.");
        }

        var ids = labels.Distinct().Order().ToArray();
        if (ids.Length < 2 || ids.Length > x.Rows - 1)
        {
            throw new ArgumentException(
                $"The silhouette needs between 2 and n - 1 = {x.Rows - 1} distinct labels, but there are {ids.Length}.", nameof(labels));
        }

        var index = ids.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i);
        var cluster = labels.Select(l => index[l]).ToArray();
        var sizes = new int[ids.Length];
        foreach (var c in cluster)
        {
            sizes[c]++;
        }

        var norms = Kernels.SquaredNorms(x);
        var scores = new double[x.Rows];
        Parallel.For(0, x.Rows, new ParallelOptions { CancellationToken = cancellationToken }, () => new double[ids.Length], (i, _, sums) =>
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return sums;
            }

            Array.Clear(sums);
            var row = x.Row(i);
            for (var j = 0; j < x.Rows; j++)
            {
                if (j == i)
                {
                    continue;
                }

                double distance;
                if (metric == DistanceMetric.Cosine)
                {
                    var denominator = Math.Sqrt(norms[i]) * Math.Sqrt(norms[j]);
                    var cosine = denominator > 0 ? Kernels.Dot(row, x.Row(j)) / denominator : 0.0;
                    distance = Math.Clamp(1.0 - cosine, 0.0, 2.0);
                }
                else
                {
                    distance = Math.Sqrt(Kernels.SquaredDistance(row, x.Row(j)));
                }

                sums[cluster[j]] += distance;
            }

            var own = cluster[i];
            if (sizes[own] > 1)
            {
                var a = sums[own] / (sizes[own] - 1);
                var b = double.PositiveInfinity;
                for (var c = 0; c < sizes.Length; c++)
                {
                    if (c != own)
                    {
                        b = Math.Min(b, sums[c] / sizes[c]);
                    }
                }

                var max = Math.Max(a, b);
                scores[i] = max > 0 ? (b - a) / max : 0.0;
            }

            return sums;
        }, _ => { });
        cancellationToken.ThrowIfCancellationRequested();
        return scores.Average();
    }

    /// <summary>
    /// Adjusted Rand index between two labelings of the same rows (scikit-learn's <c>adjusted_rand_score</c>):
    /// 1 for the same partition whatever the numbering, about 0 for independent ones.
    /// </summary>
    /// <exception cref="ArgumentException">The labelings have different lengths.</exception>
    public static double AdjustedRandIndex(IReadOnlyList<int> labelsTrue, IReadOnlyList<int> labelsPredicted)
    {
        ArgumentNullException.ThrowIfNull(labelsTrue);
        ArgumentNullException.ThrowIfNull(labelsPredicted);
        if (labelsTrue.Count != labelsPredicted.Count)
        {
            throw new ArgumentException(
                $"The labelings have {labelsTrue.Count} and {labelsPredicted.Count} labels; they must label the same rows.", nameof(labelsPredicted));
        }

        Int128 n = labelsTrue.Count;
        var pairs = new Dictionary<(int, int), long>();
        var rows = new Dictionary<int, long>();
        var columns = new Dictionary<int, long>();
        for (var i = 0; i < labelsTrue.Count; i++)
        {
            var (a, b) = (labelsTrue[i], labelsPredicted[i]);
            pairs[(a, b)] = pairs.GetValueOrDefault((a, b)) + 1;
            rows[a] = rows.GetValueOrDefault(a) + 1;
            columns[b] = columns.GetValueOrDefault(b) + 1;
        }

        // scikit-learn's pair_confusion_matrix, in exact integers.
        Int128 sumSquares = 0, rowDot = 0, columnDot = 0;
        foreach (var ((a, b), count) in pairs)
        {
            sumSquares += (Int128)count * count;
            rowDot += (Int128)count * columns[b];
            columnDot += (Int128)count * rows[a];
        }

        var tp = sumSquares - n;
        var fp = rowDot - sumSquares;
        var fn = columnDot - sumSquares;
        var tn = n * n - fp - fn - sumSquares;
        if (fn == 0 && fp == 0)
        {
            return 1.0;
        }

        return 2.0 * (double)(tp * tn - fn * fp) / (double)((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn));
    }
}
