using Qianru.Numerics;

namespace Qianru.Clustering;

/// <summary>The outcome of <see cref="KMeans"/>.<c>Fit</c>: labels, centres, inertia and iteration count of the best run.</summary>
/// <remarks>Immutable and safe to share between threads.</remarks>
public sealed class KMeansResult
{
    private readonly double[][] _centres;

    internal KMeansResult(int[] labels, double[][] centres, double inertia, int iterations)
    {
        Labels = labels;
        _centres = centres;
        Inertia = inertia;
        Iterations = iterations;
    }

    /// <summary>The cluster (0 … k-1) of each input row, in input order (scikit-learn's <c>labels_</c>).</summary>
    public IReadOnlyList<int> Labels { get; }

    /// <summary>The cluster centres, one row per cluster (scikit-learn's <c>cluster_centers_</c>), in double precision.</summary>
    public IReadOnlyList<double[]> Centres => _centres;

    /// <summary>Sum of squared distances of the rows to their centres (scikit-learn's <c>inertia_</c>).</summary>
    public double Inertia { get; }

    /// <summary>Lloyd iterations of the best run (scikit-learn's <c>n_iter_</c>).</summary>
    public int Iterations { get; }

    /// <summary>The index of the nearest centre to <paramref name="vector"/> (lowest index on ties).</summary>
    /// <exception cref="ArgumentException">The length differs from the centres' or a value is not finite.</exception>
    public int Predict(ReadOnlySpan<float> vector)
    {
        var dim = _centres[0].Length;
        if (vector.Length != dim)
        {
            throw new ArgumentException($"The vector has {vector.Length} values but the centres have {dim}.", nameof(vector));
        }

        foreach (var v in vector)
        {
            if (!float.IsFinite(v))
            {
                throw new ArgumentException($"The vector holds {v}; only finite numbers are allowed.", nameof(vector));
            }
        }

        var best = 0;
        var bestDistance = double.PositiveInfinity;
        for (var j = 0; j < _centres.Length; j++)
        {
            var d = Kernels.SquaredDistance(vector, _centres[j]);
            if (d < bestDistance)
            {
                bestDistance = d;
                best = j;
            }
        }

        return best;
    }

    /// <summary>The nearest centre of each of <paramref name="vectors"/>.</summary>
    public int[] Predict(IReadOnlyList<float[]> vectors)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        var labels = new int[vectors.Count];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = Predict(vectors[i]);
        }

        return labels;
    }
}
