namespace Qianru;

/// <summary>
/// Rows of one length appended into one growing array (doubling), then trimmed and handed over as a
/// <see cref="VectorMatrix"/>: for readers that do not know the row count up front (text vector files, database rows).
/// </summary>
internal sealed class VectorMatrixBuilder
{
    private float[] _values = [];

    /// <param name="dimensions">The row length, when known before the first row; otherwise the first row sets it.</param>
    public VectorMatrixBuilder(int? dimensions = null)
    {
        Dimensions = dimensions ?? 0;
    }

    /// <summary>Rows added so far.</summary>
    public int Count { get; private set; }

    /// <summary>The row length (0 until set by the constructor or the first row).</summary>
    public int Dimensions { get; private set; }

    /// <summary>Appends <paramref name="row"/>; the caller has checked its length against <see cref="Dimensions"/>.</summary>
    public void Add(ReadOnlySpan<float> row)
    {
        if (Count == 0 && Dimensions == 0)
        {
            Dimensions = row.Length;
        }

        var end = (long)(Count + 1) * Dimensions;
        if (end > _values.Length)
        {
            Array.Resize(ref _values, (int)Math.Min(Array.MaxLength, Math.Max(end, Math.Max(1024L, 2L * _values.Length))));
        }

        row.CopyTo(_values.AsSpan(Count * Dimensions, Dimensions));
        Count++;
    }

    /// <summary>The rows as a matrix (the array trimmed to them); a matrix of no rows when none were added.</summary>
    public VectorMatrix ToMatrix()
    {
        if (Count == 0)
        {
            return new VectorMatrix(0, Math.Max(Dimensions, 1));
        }

        Array.Resize(ref _values, Count * Dimensions);
        return VectorMatrix.Wrap(_values, Dimensions);
    }
}
