namespace Qianru.Clustering;

/// <summary>
/// A dense row-major copy of the caller's vectors, validated once (same length, finite values), so the hot loops
/// work on one contiguous array.
/// </summary>
internal sealed class RowMatrix
{
    private RowMatrix(float[] data, int rows, int columns)
    {
        Data = data;
        Rows = rows;
        Columns = columns;
    }

    public float[] Data { get; }

    public int Rows { get; }

    public int Columns { get; }

    public ReadOnlySpan<float> Row(int i) => Data.AsSpan(i * Columns, Columns);

    /// <summary>Copies <paramref name="vectors"/> into one array; throws when empty, ragged or not finite.</summary>
    public static RowMatrix From(IReadOnlyList<float[]> vectors, string what = "vectors", bool allowEmpty = false)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Count == 0)
        {
            if (allowEmpty)
            {
                return new RowMatrix([], 0, 0);
            }

            throw new ArgumentException($"No {what} given: at least one row is needed.", nameof(vectors));
        }

        var first = vectors[0] ?? throw new ArgumentException($"{what}: row 0 is null.", nameof(vectors));
        var columns = first.Length;
        if (columns == 0)
        {
            throw new ArgumentException($"{what}: row 0 has no values; rows need at least one dimension.", nameof(vectors));
        }

        var rows = vectors.Count;
        float[]? zeros = null;
        var data = new float[checked((long)rows * columns) is var total && total <= Array.MaxLength ? (int)total
            : throw new ArgumentException($"{what}: {rows} x {columns} values is more than one array can hold.", nameof(vectors))];
        for (var i = 0; i < rows; i++)
        {
            var row = vectors[i] ?? throw new ArgumentException($"{what}: row {i} is null.", nameof(vectors));
            if (row.Length != columns)
            {
                throw new ArgumentException(
                    $"{what}: row {i} has {row.Length} values but row 0 has {columns}; all rows must have the same length.",
                    nameof(vectors));
            }

            // 0 · v is 0 for every finite v and NaN for NaN or ±∞: one SIMD pass finds a bad row.
            zeros ??= new float[columns];
            if (float.IsNaN(System.Numerics.Tensors.TensorPrimitives.Dot(row, zeros)))
            {
                var j = Array.FindIndex(row, v => !float.IsFinite(v));
                throw new ArgumentException(
                    $"{what}: row {i}, column {j} is {row[j]}; only finite numbers are allowed (no NaN or infinity).",
                    nameof(vectors));
            }

            row.CopyTo(data, i * columns);
        }

        return new RowMatrix(data, rows, columns);
    }
}
