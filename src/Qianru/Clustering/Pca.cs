using Qianru.Numerics;

namespace Qianru.Clustering;

/// <summary>
/// Principal component analysis for plotting: projects rows onto their top principal components as scikit-learn's
/// <c>PCA(n_components).fit_transform</c> does (centred, exact eigen-decomposition of the covariance, scikit-learn 1.2's
/// sign convention: in each projected column the entry of largest magnitude is positive).
/// </summary>
/// <remarks>Thread-safe (no state). Cost: n·d² for the covariance plus d³ for the eigen-decomposition.</remarks>
public static class Pca
{
    /// <summary>Projects <paramref name="vectors"/> onto their first <paramref name="components"/> principal components.</summary>
    /// <returns>One row of <paramref name="components"/> coordinates per input row.</returns>
    /// <param name="vectors">The rows.</param>
    /// <param name="components">How many components to keep (default 2, for a plot).</param>
    /// <param name="cancellationToken">Checked through the covariance and every Jacobi row, so a cancelled call stops within milliseconds.</param>
    /// <exception cref="ArgumentException">No rows, ragged rows, non-finite values, or components outside 1 … min(n, d).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static double[][] Project(IReadOnlyList<float[]> vectors, int components = 2, CancellationToken cancellationToken = default) =>
        ProjectCore(ClusterInput.From(vectors), components, cancellationToken);

    /// <summary>Projects the rows of <paramref name="vectors"/> onto their first <paramref name="components"/> principal components.</summary>
    /// <returns>One row of <paramref name="components"/> coordinates per input row.</returns>
    /// <param name="vectors">The rows.</param>
    /// <param name="components">How many components to keep (default 2, for a plot).</param>
    /// <param name="cancellationToken">Checked through the covariance and every Jacobi row.</param>
    public static double[][] Project(VectorMatrix vectors, int components = 2, CancellationToken cancellationToken = default) =>
        ProjectCore(ClusterInput.From(vectors), components, cancellationToken);

    private static double[][] ProjectCore(VectorMatrix x, int components, CancellationToken cancellationToken)
    {
        int n = x.Rows, d = x.Dimensions;
        if (components < 1 || components > Math.Min(n, d))
        {
            throw new ArgumentException($"components is {components}; it must be between 1 and min(rows, dimensions) = {Math.Min(n, d)}.", nameof(components));
        }

        var mean = new double[d];
        for (var i = 0; i < n; i++)
        {
            Kernels.AddTo(x.Row(i), mean);
        }

        for (var t = 0; t < d; t++)
        {
            mean[t] /= n;
        }

        var chunk = ParallelChunks.ChunkSize(n, 512);
        var partial = new double[ParallelChunks.Count(n, chunk)][];
        ParallelChunks.For(n, chunk, (c, start, end) =>
        {
            var cov = new double[d * d];
            var centred = new double[d];
            for (var i = start; i < end && !cancellationToken.IsCancellationRequested; i++)
            {
                var row = x.Row(i);
                for (var t = 0; t < d; t++)
                {
                    centred[t] = row[t] - mean[t];
                }

                for (var a = 0; a < d; a++)
                {
                    var target = cov.AsSpan(a * d, a + 1);
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(centred.AsSpan(0, a + 1), centred[a], target, target);
                }
            }

            partial[c] = cov;
        }, cancellationToken: cancellationToken);
        var covariance = new double[d, d];
        foreach (var p in partial)
        {
            for (var a = 0; a < d; a++)
            {
                for (var b = 0; b <= a; b++)
                {
                    covariance[a, b] += p[a * d + b];
                    covariance[b, a] = covariance[a, b];
                }
            }
        }

        var (values, vectorsOut) = SymmetricEigen(covariance, cancellationToken);
        var order = Enumerable.Range(0, d).OrderByDescending(i => values[i]).ThenBy(i => i).Take(components).ToArray();
        var projection = new double[n][];
        for (var i = 0; i < n; i++)
        {
            var row = x.Row(i);
            var p = new double[components];
            for (var c = 0; c < components; c++)
            {
                var sum = 0.0;
                for (var t = 0; t < d; t++)
                {
                    sum += (row[t] - mean[t]) * vectorsOut[t, order[c]];
                }

                p[c] = sum;
            }

            projection[i] = p;
        }

        for (var c = 0; c < components; c++)
        {
            var largest = 0;
            for (var i = 1; i < n; i++)
            {
                if (Math.Abs(projection[i][c]) > Math.Abs(projection[largest][c]))
                {
                    largest = i;
                }
            }

            if (projection[largest][c] < 0)
            {
                foreach (var p in projection)
                {
                    p[c] = -p[c];
                }
            }
        }

        return projection;
    }

    /// <summary>Cyclic Jacobi eigen-decomposition of a symmetric matrix: eigenvalues and eigenvectors (columns).</summary>
    internal static (double[] Values, double[,] Vectors) SymmetricEigen(double[,] matrix, CancellationToken cancellationToken = default)
    {
        var d = matrix.GetLength(0);
        var a = (double[,])matrix.Clone();
        var v = new double[d, d];
        for (var i = 0; i < d; i++)
        {
            v[i, i] = 1;
        }

        for (var sweep = 0; sweep < 100; sweep++)
        {
            double off = 0, total = 0;
            for (var p = 0; p < d; p++)
            {
                for (var q = 0; q < d; q++)
                {
                    total += a[p, q] * a[p, q];
                    if (p != q)
                    {
                        off += a[p, q] * a[p, q];
                    }
                }
            }

            if (off <= 1e-30 * total || off == 0)
            {
                break;
            }

            for (var p = 0; p < d - 1; p++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                for (var q = p + 1; q < d; q++)
                {
                    var apq = a[p, q];
                    if (Math.Abs(apq) < 1e-300)
                    {
                        continue;
                    }

                    var theta = (a[q, q] - a[p, p]) / (2 * apq);
                    var t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    if (theta == 0)
                    {
                        t = 1;
                    }

                    var c = 1 / Math.Sqrt(t * t + 1);
                    var s = t * c;
                    for (var k = 0; k < d; k++)
                    {
                        var akp = a[k, p];
                        var akq = a[k, q];
                        a[k, p] = c * akp - s * akq;
                        a[k, q] = s * akp + c * akq;
                    }

                    for (var k = 0; k < d; k++)
                    {
                        var apk = a[p, k];
                        var aqk = a[q, k];
                        a[p, k] = c * apk - s * aqk;
                        a[q, k] = s * apk + c * aqk;
                    }

                    for (var k = 0; k < d; k++)
                    {
                        var vkp = v[k, p];
                        var vkq = v[k, q];
                        v[k, p] = c * vkp - s * vkq;
                        v[k, q] = s * vkp + c * vkq;
                    }
                }
            }
        }

        var values = new double[d];
        for (var i = 0; i < d; i++)
        {
            values[i] = a[i, i];
        }

        return (values, v);
    }
}
