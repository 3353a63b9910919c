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
    /// <returns>Each community's row indices, central row first; communities ordered largest first.</returns>
    /// <exception cref="ArgumentException">Bad rows, a threshold outside [-1, 1], or minCommunitySize &lt; 1.</exception>
    public static int[][] Find(IReadOnlyList<float[]> vectors, double threshold = 0.75, int minCommunitySize = 10)
    {
        if (!(threshold >= -1 && threshold <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, $"threshold is {threshold}; it must be a cosine similarity in [-1, 1].");
        }

        if (minCommunitySize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(minCommunitySize), minCommunitySize, $"min_community_size is {minCommunitySize}; it must be at least 1.");
        }

        var x = RowMatrix.From(vectors);
        int n = x.Rows, d = x.Columns;
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

        const int block = 64;
        var candidates = new int[n][];
        Parallel.For(0, (n + block - 1) / block, () => new float[block * n], (b, _, dots) =>
        {
            var i0 = b * block;
            var rows = Math.Min(block, n - i0);
            Kernels.DotBlock(unit, i0, rows, unit, 0, n, d, dots);
            var members = new List<(double Similarity, int Index)>();
            for (var r = 0; r < rows; r++)
            {
                var i = i0 + r;
                members.Clear();
                for (var j = 0; j < n; j++)
                {
                    var approx = dots[r * n + j];
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
                        members.Add((similarity, j));
                    }
                }

                if (members.Count >= minCommunitySize)
                {
                    members.Sort((p, q) => p.Similarity != q.Similarity ? q.Similarity.CompareTo(p.Similarity) : p.Index.CompareTo(q.Index));
                    candidates[i] = members.Select(m => m.Index).ToArray();
                }
            }

            return dots;
        }, _ => { });

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
