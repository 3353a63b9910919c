using System.Buffers;
using System.Numerics.Tensors;

namespace Qianru.Similarity;

/// <summary>
/// Cosine similarity, dot product, Euclidean and Manhattan distance for a pair of vectors, one vector against
/// many, and all pairs of two sets, computed with SIMD through <see cref="TensorPrimitives"/>.
/// </summary>
/// <remarks>
/// All members are thread-safe and allocate nothing but their results. Vectors being compared must have the same
/// length (an <see cref="ArgumentException"/> otherwise). The cosine similarity of a zero vector is defined as 0,
/// as in sentence-transformers' <c>util.cos_sim</c> (which normalizes with an epsilon).
/// </remarks>
public static class VectorSimilarity
{
    /// <summary>Parses a metric name: <c>cosine</c>, <c>dot</c>, <c>euclidean</c> or <c>manhattan</c> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Any other name.</exception>
    public static SimilarityMetric ParseMetric(string name) => name?.Trim().ToLowerInvariant() switch
    {
        "cosine" or "cos" => SimilarityMetric.Cosine,
        "dot" or "dot_product" or "ip" => SimilarityMetric.Dot,
        "euclidean" or "l2" => SimilarityMetric.Euclidean,
        "manhattan" or "l1" => SimilarityMetric.Manhattan,
        _ => throw new ArgumentException($"unknown metric '{name}'; allowed: cosine, dot, euclidean, manhattan", nameof(name)),
    };

    /// <summary>The lower-case name of <paramref name="metric"/> (<c>cosine</c>, <c>dot</c>, <c>euclidean</c>, <c>manhattan</c>).</summary>
    public static string NameOf(SimilarityMetric metric) => metric switch
    {
        SimilarityMetric.Cosine => "cosine",
        SimilarityMetric.Dot => "dot",
        SimilarityMetric.Euclidean => "euclidean",
        SimilarityMetric.Manhattan => "manhattan",
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "unknown metric"),
    };

    /// <summary>True for similarities (cosine, dot: higher is closer), false for distances.</summary>
    public static bool HigherIsCloser(SimilarityMetric metric) => metric is SimilarityMetric.Cosine or SimilarityMetric.Dot;

    /// <summary>
    /// Scales <paramref name="vector"/> to unit L2 length in place; a zero vector stays zero. The same as
    /// sentence-transformers' <c>normalize_embeddings=True</c> (torch.nn.functional.normalize, eps 1e-12): the one
    /// normalization the embedder, search, the collections and word vectors use.
    /// </summary>
    public static void Normalize(Span<float> vector)
    {
        var norm = TensorPrimitives.Norm(vector);
        TensorPrimitives.Divide(vector, MathF.Max(norm, 1e-12f), vector);
    }

    /// <summary>Cosine similarity of <paramref name="a"/> and <paramref name="b"/>; 0 if either is all zeros.</summary>
    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        CheckLengths(a, b);
        var norms = TensorPrimitives.Norm(a) * TensorPrimitives.Norm(b);
        return norms == 0 ? 0 : Math.Clamp(TensorPrimitives.Dot(a, b) / norms, -1f, 1f);
    }

    /// <summary>Dot product of <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        CheckLengths(a, b);
        return TensorPrimitives.Dot(a, b);
    }

    /// <summary>Euclidean (L2) distance between <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static float Euclidean(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        CheckLengths(a, b);
        return TensorPrimitives.Distance(a, b);
    }

    /// <summary>Manhattan (L1) distance between <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static float Manhattan(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        CheckLengths(a, b);
        const int StackLimit = 1024;
        float[]? rented = null;
        var diff = a.Length <= StackLimit ? stackalloc float[a.Length] : (rented = ArrayPool<float>.Shared.Rent(a.Length)).AsSpan(0, a.Length);
        try
        {
            TensorPrimitives.Subtract(a, b, diff);
            return TensorPrimitives.SumOfMagnitudes(diff);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<float>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The <paramref name="metric"/> score of <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static float Compute(SimilarityMetric metric, ReadOnlySpan<float> a, ReadOnlySpan<float> b) => metric switch
    {
        SimilarityMetric.Cosine => Cosine(a, b),
        SimilarityMetric.Dot => Dot(a, b),
        SimilarityMetric.Euclidean => Euclidean(a, b),
        SimilarityMetric.Manhattan => Manhattan(a, b),
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "unknown metric"),
    };

    /// <summary>Scores <paramref name="query"/> against every vector of <paramref name="corpus"/> into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than the corpus, or a length differs.</exception>
    public static void Compute(SimilarityMetric metric, ReadOnlySpan<float> query, IReadOnlyList<float[]> corpus, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        if (destination.Length < corpus.Count)
        {
            throw new ArgumentException($"destination has {destination.Length} elements but the corpus has {corpus.Count} vectors", nameof(destination));
        }

        for (var i = 0; i < corpus.Count; i++)
        {
            destination[i] = Compute(metric, query, corpus[i]);
        }
    }

    /// <summary>Scores <paramref name="query"/> against every vector of <paramref name="corpus"/>.</summary>
    public static float[] Compute(SimilarityMetric metric, ReadOnlySpan<float> query, IReadOnlyList<float[]> corpus)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        var result = new float[corpus.Count];
        Compute(metric, query, corpus, result);
        return result;
    }

    /// <summary>
    /// All pairs: <c>result[i][j]</c> is the <paramref name="metric"/> score of <c>queries[i]</c> and
    /// <c>corpus[j]</c> (as sentence-transformers' <c>util.cos_sim(a, b)</c>). Rows are computed in parallel.
    /// </summary>
    public static float[][] Compute(SimilarityMetric metric, IReadOnlyList<float[]> queries, IReadOnlyList<float[]> corpus)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(corpus);
        var result = new float[queries.Count][];
        Parallel.For(0, queries.Count, i => result[i] = Compute(metric, queries[i], corpus));
        return result;
    }

    private static void CheckLengths(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"vectors have different dimensions ({a.Length} and {b.Length}); both must have the same");
        }
    }
}
