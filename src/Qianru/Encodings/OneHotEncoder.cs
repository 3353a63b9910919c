namespace Qianru.Encodings;

/// <summary>One-hot encoding over a <see cref="Vocabulary"/>: dense rows with a single 1, or the sparse column indices.</summary>
public static class OneHotEncoder
{
    /// <summary>
    /// The dense one-hot matrix (tokens × vocabulary size): row <c>i</c> has a 1 in column <c>vocabulary.IndexOf(tokens[i])</c>.
    /// </summary>
    public static float[,] Dense(Vocabulary vocabulary, IReadOnlyList<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(tokens);
        return Dense(Sparse(vocabulary, tokens), vocabulary.Count);
    }

    /// <summary>The dense one-hot matrix of token ids (ids.Length × <paramref name="vocabularySize"/>).</summary>
    public static float[,] Dense(ReadOnlySpan<int> ids, int vocabularySize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(vocabularySize);
        var matrix = new float[ids.Length, vocabularySize];
        for (var i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= (uint)vocabularySize)
            {
                throw new ArgumentOutOfRangeException(nameof(ids), ids[i], $"id {ids[i]} at position {i} is outside the vocabulary (0..{vocabularySize - 1})");
            }

            matrix[i, ids[i]] = 1f;
        }

        return matrix;
    }

    /// <summary>The sparse form: for each token, the column that holds its 1 (its vocabulary index).</summary>
    public static int[] Sparse(Vocabulary vocabulary, IReadOnlyList<string> tokens)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        return vocabulary.Encode(tokens);
    }
}
