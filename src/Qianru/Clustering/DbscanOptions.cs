namespace Qianru.Clustering;

/// <summary>Settings of <see cref="Dbscan"/>.<c>Fit</c>; the defaults are scikit-learn's.</summary>
public sealed class DbscanOptions
{
    private readonly double _eps = 0.5;
    private readonly int _minSamples = 5;
    private readonly DistanceMetric _metric = DistanceMetric.Euclidean;

    /// <summary>Neighbourhood radius (default 0.5): two rows are neighbours when their distance is at most eps. Must be &gt; 0.</summary>
    public double Eps
    {
        get => _eps;
        init => _eps = value > 0 && double.IsFinite(value) ? value
            : throw new ArgumentOutOfRangeException(nameof(Eps), value, $"eps is {value}; it must be a finite number > 0.");
    }

    /// <summary>Neighbours (counting the row itself) a row needs to be a core sample (default 5). At least 1.</summary>
    public int MinSamples
    {
        get => _minSamples;
        init => _minSamples = value >= 1 ? value
            : throw new ArgumentOutOfRangeException(nameof(MinSamples), value, $"min_samples is {value}; it must be at least 1.");
    }

    /// <summary>The distance (default <see cref="DistanceMetric.Euclidean"/>).</summary>
    public DistanceMetric Metric
    {
        get => _metric;
        init => _metric = Enum.IsDefined(value) ? value
            : throw new ArgumentOutOfRangeException(nameof(Metric), value, "metric must be euclidean, cosine or precomputed.");
    }
}
