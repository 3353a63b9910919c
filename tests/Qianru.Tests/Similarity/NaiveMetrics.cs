using Qianru.Similarity;

namespace Qianru.Tests.Similarity;

/// <summary>The oracle: the metrics written the obvious way in double precision.</summary>
internal static class NaiveMetrics
{
    public static double Score(SimilarityMetric metric, float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0, l2 = 0, l1 = 0;
        for (var i = 0; i < a.Length; i++)
        {
            double x = a[i], y = b[i];
            dot += x * y;
            na += x * x;
            nb += y * y;
            l2 += (x - y) * (x - y);
            l1 += Math.Abs(x - y);
        }

        return metric switch
        {
            SimilarityMetric.Cosine => na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb),
            SimilarityMetric.Dot => dot,
            SimilarityMetric.Euclidean => Math.Sqrt(l2),
            _ => l1,
        };
    }

    public static float[][] RandomVectors(Random random, int count, int dims, bool integers = false) =>
        [.. Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, dims)
            .Select(_ => integers ? random.Next(-3, 4) : (float)((random.NextDouble() * 2) - 1)).ToArray())];
}
