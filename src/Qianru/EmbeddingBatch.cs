namespace Qianru;

/// <summary>The vectors of a list of texts, in input order, with what tokenization found.</summary>
public sealed class EmbeddingBatch
{
    private float[][]? _vectors;

    internal EmbeddingBatch(VectorMatrix matrix, int[] tokenCounts, bool[] truncated, double[] unknownFractions)
    {
        Matrix = matrix;
        TokenCounts = tokenCounts;
        Truncated = truncated;
        UnknownFractions = unknownFractions;
    }

    /// <summary>The vectors, one row per text in input order.</summary>
    public VectorMatrix Matrix { get; }

    /// <summary>One array per text, in input order: <see cref="Matrix"/>'s rows, copied on first use (thread-safe: every caller gets the same arrays).</summary>
    public IReadOnlyList<float[]> Vectors => LazyInitializer.EnsureInitialized(ref _vectors, Matrix.ToArrays);

    /// <summary>The tokens each text was run with (after truncation, special tokens included).</summary>
    public IReadOnlyList<int> TokenCounts { get; }

    /// <summary>Whether each text was longer than the model's maximum and was truncated.</summary>
    public IReadOnlyList<bool> Truncated { get; }

    /// <summary>The fraction of each text's tokens that the vocabulary does not know (<c>[UNK]</c>).</summary>
    public IReadOnlyList<double> UnknownFractions { get; }

    /// <summary>How many texts were truncated.</summary>
    public int TruncatedCount => Truncated.Count(t => t);

    /// <summary>How many texts are mostly unknown tokens (more than half), a sign the model does not know the language.</summary>
    public int MostlyUnknownCount => UnknownFractions.Count(f => f > 0.5);

    /// <summary>The total number of tokens.</summary>
    public long TotalTokens => TokenCounts.Sum(c => (long)c);
}
