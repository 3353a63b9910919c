using System.Numerics.Tensors;
using Qianru.Similarity;

namespace Qianru;

/// <summary>
/// Vectors as one matrix: <see cref="Rows"/> × <see cref="Dimensions"/> float32 values, row after row in one array.
/// The embedder returns it and search, clustering, the collections and vector files take it, so vectors are never
/// copied between those steps; <see cref="ToArrays"/> and <c>FromRows</c> convert to and from one array per
/// vector where an API wants that.
/// </summary>
/// <remarks>
/// A row is a <see cref="Span{T}"/> over the matrix's own storage: writing to it changes the matrix. Reading is
/// thread-safe; writing while another thread reads is not.
/// </remarks>
public sealed class VectorMatrix
{
    private readonly float[] _data;

    /// <summary>A zero-filled matrix.</summary>
    /// <param name="rows">The number of vectors, 0 or more.</param>
    /// <param name="dimensions">The length of every vector, 1 or more.</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative row count, fewer than 1 dimension, or more values than one array holds.</exception>
    public VectorMatrix(int rows, int dimensions)
        : this(new float[CheckedLength(rows, dimensions)], rows, dimensions)
    {
    }

    private VectorMatrix(float[] data, int rows, int dimensions)
    {
        _data = data;
        Rows = rows;
        Dimensions = dimensions;
    }

    /// <summary>The number of vectors.</summary>
    public int Rows { get; }

    /// <summary>The length of every vector.</summary>
    public int Dimensions { get; }

    /// <summary>The values, row after row (<see cref="Rows"/> × <see cref="Dimensions"/> of them).</summary>
    internal float[] Data => _data;

    /// <summary>Row <paramref name="row"/>: a view of the matrix's storage, not a copy.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="row"/> is not in [0, <see cref="Rows"/>).</exception>
    public Span<float> this[int row] => Row(row);

    /// <summary>
    /// Wraps <paramref name="values"/> (row after row, kept by reference, not copied) as a matrix of
    /// <paramref name="dimensions"/> columns.
    /// </summary>
    /// <exception cref="ArgumentException">The length of <paramref name="values"/> is not a multiple of <paramref name="dimensions"/>.</exception>
    public static VectorMatrix Wrap(float[] values, int dimensions)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        if (values.Length % dimensions != 0)
        {
            throw new ArgumentException(
                $"{values.Length} values do not make whole rows of {dimensions}; the length must be a multiple of the dimensions",
                nameof(values));
        }

        return new VectorMatrix(values, values.Length / dimensions, dimensions);
    }

    /// <summary>Copies one array per vector into a matrix.</summary>
    /// <param name="rows">The vectors; all must have the same length.</param>
    /// <param name="dimensions">The vector length; needed only when <paramref name="rows"/> is empty (default 1).</param>
    /// <exception cref="ArgumentException">A null row, rows of different lengths, or rows with no values.</exception>
    public static VectorMatrix FromRows(IReadOnlyList<float[]> rows, int? dimensions = null) =>
        FromRows(rows, dimensions, null);

    /// <summary>As <see cref="FromRows(IReadOnlyList{float[]}, int?)"/>; errors start with "<paramref name="what"/>: " when given.</summary>
    internal static VectorMatrix FromRows(IReadOnlyList<float[]> rows, int? dimensions, string? what)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return new VectorMatrix([], 0, Math.Max(dimensions ?? 1, 1));
        }

        var prefix = what is null ? "" : what + ": ";
        var first = rows[0] ?? throw new ArgumentException($"{prefix}row 0 is null", nameof(rows));
        var dims = first.Length;
        if (dims == 0)
        {
            throw new ArgumentException($"{prefix}row 0 has no values; vectors need at least one dimension", nameof(rows));
        }

        if ((long)rows.Count * dims > Array.MaxLength)
        {
            throw new ArgumentException($"{prefix}{rows.Count} x {dims} values is more than one array can hold", nameof(rows));
        }

        var matrix = new VectorMatrix(rows.Count, dims);
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i] ?? throw new ArgumentException($"{prefix}row {i} is null", nameof(rows));
            if (row.Length != dims)
            {
                throw new ArgumentException(
                    $"{prefix}row {i} has {row.Length} values but row 0 has {dims}; all vectors must have the same length",
                    nameof(rows));
            }

            row.CopyTo(matrix._data, i * dims);
        }

        return matrix;
    }

    /// <summary>Row <paramref name="row"/>: a view of the matrix's storage, not a copy.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="row"/> is not in [0, <see cref="Rows"/>).</exception>
    public Span<float> Row(int row)
    {
        if ((uint)row >= (uint)Rows)
        {
            throw new ArgumentOutOfRangeException(nameof(row), row, $"must be 0 to {Rows - 1}");
        }

        return _data.AsSpan(row * Dimensions, Dimensions);
    }

    /// <summary>All values, row after row: a view of the matrix's storage.</summary>
    public Span<float> AsSpan() => _data.AsSpan(0, Rows * Dimensions);

    /// <summary>A copy of row <paramref name="row"/> as its own array.</summary>
    public float[] RowToArray(int row) => Row(row).ToArray();

    /// <summary>A new matrix of the given rows, in the given order (as NumPy's <c>x[rows]</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A row outside [0, <see cref="Rows"/>).</exception>
    public VectorMatrix SelectRows(IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var selected = new VectorMatrix(rows.Count, Dimensions);
        for (var i = 0; i < rows.Count; i++)
        {
            Row(rows[i]).CopyTo(selected.Row(i));
        }

        return selected;
    }

    /// <summary>Copies the matrix into one array per vector.</summary>
    public float[][] ToArrays()
    {
        var arrays = new float[Rows][];
        for (var i = 0; i < Rows; i++)
        {
            arrays[i] = _data.AsSpan(i * Dimensions, Dimensions).ToArray();
        }

        return arrays;
    }

    /// <summary>Scales every row to unit L2 length in place, as <see cref="VectorSimilarity.Normalize"/>.</summary>
    public void NormalizeRows()
    {
        for (var i = 0; i < Rows; i++)
        {
            VectorSimilarity.Normalize(_data.AsSpan(i * Dimensions, Dimensions));
        }
    }

    /// <summary>
    /// The index of the first NaN or infinite value of <paramref name="values"/>, or -1. One SIMD pass finds whether
    /// there is one (the largest magnitude is NaN or infinite exactly then); only then is it looked for.
    /// </summary>
    internal static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty || float.IsFinite(TensorPrimitives.MaxMagnitude(values)))
        {
            return -1;
        }

        for (var j = 0; j < values.Length; j++)
        {
            if (!float.IsFinite(values[j]))
            {
                return j;
            }
        }

        return -1;
    }

    /// <summary>Throws when a value is NaN or infinite, naming its row and column (0-based) and <paramref name="what"/>.</summary>
    internal void ThrowIfNotFinite(string what, string paramName)
    {
        for (var i = 0; i < Rows; i++)
        {
            var row = _data.AsSpan(i * Dimensions, Dimensions);
            var j = IndexOfNonFinite(row);
            if (j >= 0)
            {
                throw new ArgumentException(
                    $"{what}: row {i}, column {j} is {row[j]}; only finite numbers are allowed (no NaN or infinity).",
                    paramName);
            }
        }
    }

    private static int CheckedLength(int rows, int dimensions)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        var length = (long)rows * dimensions;
        if (length > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), rows, $"{rows} x {dimensions} values is more than one array can hold");
        }

        return (int)length;
    }
}
