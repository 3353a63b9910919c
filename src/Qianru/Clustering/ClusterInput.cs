namespace Qianru.Clustering;

/// <summary>
/// The one check of clustering input: at least one row, all rows the same length, finite values. Arrays are copied
/// into a <see cref="VectorMatrix"/> once; a matrix is checked and used as it is.
/// </summary>
internal static class ClusterInput
{
    /// <summary>Copies <paramref name="vectors"/> into one matrix; throws when empty, ragged or not finite.</summary>
    public static VectorMatrix From(IReadOnlyList<float[]> vectors, string what = "vectors")
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Count == 0)
        {
            throw new ArgumentException($"No {what} given: at least one row is needed.", nameof(vectors));
        }

        var first = vectors[0] ?? throw new ArgumentException($"{what}: row 0 is null.", nameof(vectors));
        var columns = first.Length;
        if (columns == 0)
        {
            throw new ArgumentException($"{what}: row 0 has no values; rows need at least one dimension.", nameof(vectors));
        }

        if ((long)vectors.Count * columns > Array.MaxLength)
        {
            throw new ArgumentException($"{what}: {vectors.Count} x {columns} values is more than one array can hold.", nameof(vectors));
        }

        var matrix = new VectorMatrix(vectors.Count, columns);
        for (var i = 0; i < vectors.Count; i++)
        {
            var row = vectors[i] ?? throw new ArgumentException($"{what}: row {i} is null.", nameof(vectors));
            if (row.Length != columns)
            {
                throw new ArgumentException(
                    $"{what}: row {i} has {row.Length} values but row 0 has {columns}; all rows must have the same length.",
                    nameof(vectors));
            }

            row.CopyTo(matrix.Row(i));
        }

        matrix.ThrowIfNotFinite(what, nameof(vectors));
        return matrix;
    }

    /// <summary>Checks <paramref name="vectors"/> (not empty, finite) and returns it.</summary>
    public static VectorMatrix From(VectorMatrix vectors, string what = "vectors")
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Rows == 0)
        {
            throw new ArgumentException($"No {what} given: at least one row is needed.", nameof(vectors));
        }

        vectors.ThrowIfNotFinite(what, nameof(vectors));
        return vectors;
    }
}
