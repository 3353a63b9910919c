namespace Qianru.Encodings;

/// <summary>
/// An embedding table: one row of <see cref="Dimensions"/> numbers per token id. Looking a token up is the same as
/// multiplying its one-hot row by the table (the seed's 2×6 · 6×3 = 2×3 example), without the multiplication.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class EmbeddingTable
{
    private readonly float[] _weights;

    private EmbeddingTable(float[] weights, int count, int dimensions)
    {
        _weights = weights;
        Count = count;
        Dimensions = dimensions;
    }

    /// <summary>The number of rows (token ids).</summary>
    public int Count { get; }

    /// <summary>The number of columns (embedding dimensions).</summary>
    public int Dimensions { get; }

    /// <summary>The row of token <paramref name="id"/>.</summary>
    public ReadOnlySpan<float> this[int id]
    {
        get
        {
            if ((uint)id >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(id), id, $"id {id} is outside the table (0..{Count - 1})");
            }

            return _weights.AsSpan(id * Dimensions, Dimensions);
        }
    }

    /// <summary>Creates a table from a tokens × dimensions matrix (copied).</summary>
    public static EmbeddingTable Create(float[,] weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        int rows = weights.GetLength(0), cols = weights.GetLength(1);
        if (rows == 0 || cols == 0)
        {
            throw new ArgumentException($"an embedding table needs at least one row and one column, got {rows} × {cols}", nameof(weights));
        }

        var flat = new float[rows * cols];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                flat[r * cols + c] = weights[r, c];
            }
        }

        return new EmbeddingTable(flat, rows, cols);
    }

    /// <summary>
    /// Creates a table of uniform random numbers in [-1, 1) from <paramref name="seed"/> (same seed, same table),
    /// the way an embedding layer starts before training.
    /// </summary>
    public static EmbeddingTable CreateRandom(int count, int dimensions, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimensions);
        var random = new Random(seed);
        var flat = new float[checked(count * dimensions)];
        for (var i = 0; i < flat.Length; i++)
        {
            flat[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return new EmbeddingTable(flat, count, dimensions);
    }

    /// <summary>Looks ids up: row <c>i</c> of the result is the table row of <c>ids[i]</c>.</summary>
    public float[,] Lookup(ReadOnlySpan<int> ids)
    {
        var result = new float[ids.Length, Dimensions];
        for (var i = 0; i < ids.Length; i++)
        {
            var row = this[ids[i]];
            for (var c = 0; c < Dimensions; c++)
            {
                result[i, c] = row[c];
            }
        }

        return result;
    }

    /// <summary>The matrix product <c>matrix × table</c> (n × Count times Count × Dimensions), e.g. of a one-hot matrix.</summary>
    public float[,] Multiply(float[,] matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        if (matrix.GetLength(1) != Count)
        {
            throw new ArgumentException($"cannot multiply a {matrix.GetLength(0)} × {matrix.GetLength(1)} matrix by a {Count} × {Dimensions} table: the inner sizes differ", nameof(matrix));
        }

        var rows = matrix.GetLength(0);
        var result = new float[rows, Dimensions];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < Dimensions; c++)
            {
                double sum = 0;
                for (var k = 0; k < Count; k++)
                {
                    sum += (double)matrix[r, k] * _weights[k * Dimensions + c];
                }

                result[r, c] = (float)sum;
            }
        }

        return result;
    }
}
