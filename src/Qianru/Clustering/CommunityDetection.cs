using Qianru.Numerics;

namespace Qianru.Clustering;

/// <summary>
/// Fast community detection as sentence-transformers' <c>util.community_detection</c>: every row with at least
/// <c>minCommunitySize</c> rows (itself included) at cosine similarity ≥ threshold seeds a candidate community; candidates
/// are taken largest first, each keeping the rows not already taken, and kept when still large enough.
/// </summary>
/// <remarks>
/// Thread-safe (no state). Each community lists its central row first, then the others by decreasing similarity to it
/// (lower index first on ties, similarities in float32 as sentence-transformers computes them). Membership is decided in double precision near the threshold.
/// See <see href="https://sbert.net/docs/package_reference/util.html"/>.
/// </remarks>
public static class CommunityDetection
{
    /// <summary>Finds communities of similar rows, largest first.</summary>
    /// <param name="vectors">The rows (need not be normalized; they are compared by cosine similarity).</param>
    /// <param name="threshold">Lowest cosine similarity within a community (sentence-transformers' default 0.75).</param>
    /// <param name="minCommunitySize">Fewest rows in a community (default 10; capped at the number of rows).</param>
    /// <param name="cancellationToken">Checked every block of 64 × 2048 pairs, so a cancelled search stops within milliseconds.</param>
    /// <returns>Each community's row indices, central row first; communities ordered largest first.</returns>
    /// <exception cref="ArgumentException">Bad rows, a threshold outside [-1, 1], or minCommunitySize &lt; 1.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static int[][] Find(IReadOnlyList<float[]> vectors, double threshold = 0.75, int minCommunitySize = 10, CancellationToken cancellationToken = default)
    {
        CheckSettings(threshold, minCommunitySize);
        return FindCore(ClusterInput.From(vectors), threshold, minCommunitySize, cancellationToken);
    }

    /// <summary>As <see cref="Find(IReadOnlyList{float[]}, double, int, CancellationToken)"/>, over the rows of a matrix without copying them.</summary>
    /// <param name="vectors">The rows (need not be normalized; they are compared by cosine similarity).</param>
    /// <param name="threshold">Lowest cosine similarity within a community (sentence-transformers' default 0.75).</param>
    /// <param name="minCommunitySize">Fewest rows in a community (default 10; capped at the number of rows).</param>
    /// <param name="cancellationToken">Checked every block of 64 × 2048 pairs.</param>
    /// <returns>Each community's row indices, central row first; communities ordered largest first.</returns>
    public static int[][] Find(VectorMatrix vectors, double threshold = 0.75, int minCommunitySize = 10, CancellationToken cancellationToken = default)
    {
        CheckSettings(threshold, minCommunitySize);
        return FindCore(ClusterInput.From(vectors), threshold, minCommunitySize, cancellationToken);
    }

    private static void CheckSettings(double threshold, int minCommunitySize)
    {
        if (!(threshold >= -1 && threshold <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, $"threshold is {threshold}; it must be a cosine similarity in [-1, 1].");
        }

        if (minCommunitySize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(minCommunitySize), minCommunitySize, $"min_community_size is {minCommunitySize}; it must be at least 1.");
        }

    }

    private static int[][] FindCore(VectorMatrix x, double threshold, int minCommunitySize, CancellationToken cancellationToken)
    {
        int n = x.Rows, d = x.Dimensions;
        minCommunitySize = Math.Min(minCommunitySize, n);
        var norms = Kernels.SquaredNorms(x);
        var unit = new float[x.Data.Length];
        for (var i = 0; i < n; i++)
        {
            var norm = Math.Sqrt(norms[i]);
            if (norm > 0)
            {
                var row = x.Row(i);
                for (var t = 0; t < d; t++)
                {
                    unit[i * d + t] = (float)(row[t] / norm);
                }
            }
        }

        // Blocks of 64 rows against slices of 2048 columns: bounded scratch memory whatever n is, and a
        // cancellation check between slices.
        const int block = 64;
        const int slice = 2048;
        var candidates = new int[n][];
        Parallel.For(0, (n + block - 1) / block, new ParallelOptions { CancellationToken = cancellationToken }, () => new float[block * Math.Min(slice, n)], (b, _, dots) =>
        {
            var i0 = b * block;
            var rows = Math.Min(block, n - i0);
            var members = new List<(double Similarity, int Index)>[rows];
            for (var r = 0; r < rows; r++)
            {
                members[r] = [];
            }

            for (var j0 = 0; j0 < n; j0 += slice)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return dots; // Find throws after the loop
                }

                var cols = Math.Min(slice, n - j0);
                Kernels.DotBlock(unit, i0, rows, unit, j0, cols, d, dots);
                for (var r = 0; r < rows; r++)
                {
                    var i = i0 + r;
                    for (var c = 0; c < cols; c++)
                    {
                        var j = j0 + c;
                        var approx = dots[r * cols + c];
                        if (approx < threshold - 2 * Kernels.Float32Slack)
                        {
                            continue;
                        }

                        // Clearly above the threshold: the float32 similarity orders the members; near it: decide in double.
                        double similarity = approx;
                        if (approx <= threshold + 2 * Kernels.Float32Slack)
                        {
                            var denominator = Math.Sqrt(norms[i]) * Math.Sqrt(norms[j]);
                            similarity = denominator > 0 ? Kernels.Dot(x.Row(i), x.Row(j)) / denominator : 0.0;
                        }

                        if (similarity >= threshold)
                        {
                            members[r].Add((similarity, j));
                        }
                    }
                }
            }

            for (var r = 0; r < rows; r++)
            {
                if (members[r].Count >= minCommunitySize)
                {
                    members[r].Sort((p, q) => p.Similarity != q.Similarity ? q.Similarity.CompareTo(p.Similarity) : p.Index.CompareTo(q.Index));
                    candidates[i0 + r] = members[r].Select(m => m.Index).ToArray();
                }
            }

            return dots;
        }, _ => { });
        cancellationToken.ThrowIfCancellationRequested();

        var taken = new bool[n];
        var communities = new List<int[]>();
        foreach (var candidate in candidates.Where(c => c is not null).OrderByDescending(c => c.Length))
        {
            var rest = candidate.Where(j => !taken[j]).ToArray();
            if (rest.Length >= minCommunitySize)
            {
                communities.Add(rest);
                foreach (var j in rest)
                {
                    taken[j] = true;
                }
            }
        }

        return communities.OrderByDescending(c => c.Length).ToArray();
    }

    /// <summary>Turns communities into one label per row: the community's position, or -1 for rows in none.</summary>
    public static int[] ToLabels(IReadOnlyList<int[]> communities, int rowCount)
    {
        ArgumentNullException.ThrowIfNull(communities);
        var labels = new int[rowCount];
        Array.Fill(labels, -1);
        for (var c = 0; c < communities.Count; c++)
        {
            foreach (var i in communities[c])
            {
                labels[i] = c;
            }
        }

        return labels;
    }
}
