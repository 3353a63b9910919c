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

        var matrix = VectorMatrix.FromRows(vectors, null, what);
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
