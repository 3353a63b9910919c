namespace Qianru.Clustering;

/// <summary>Settings of <see cref="KMeans"/>.<c>Fit</c>; the defaults are scikit-learn's.</summary>
/// <remarks>Each value is checked when it is set; that <see cref="Clusters"/> is at most the number of rows is checked by <see cref="KMeans"/>.<c>Fit</c>.</remarks>
public sealed class KMeansOptions
{
    private readonly int _clusters = 8;
    private readonly int? _runs;
    private readonly int _maxIterations = 300;
    private readonly double _tolerance = 1e-4;
    private readonly int? _maxDegreeOfParallelism;

    /// <summary>The number of clusters k (default 8, as scikit-learn's <c>n_clusters</c>). At least 1.</summary>
    public int Clusters
    {
        get => _clusters;
        init => _clusters = value >= 1 ? value
            : throw new ArgumentOutOfRangeException(nameof(Clusters), value, $"k (clusters) is {value}; it must be at least 1.");
    }

    /// <summary>
    /// Starting centres, one row per cluster (scikit-learn's <c>init=array</c>); <c>null</c> (default) picks them with
    /// greedy k-means++ (2 + ln k local trials per centre, as scikit-learn). Given centres run once.
    /// </summary>
    public IReadOnlyList<float[]>? InitialCentres { get; init; }

    /// <summary>
    /// How many k-means++ runs to make, keeping the one with the lowest inertia (scikit-learn's <c>n_init</c>);
    /// <c>null</c> (default) is scikit-learn's "auto": one run. Ignored (one run) when <see cref="InitialCentres"/> is given.
    /// </summary>
    public int? Runs
    {
        get => _runs;
        init => _runs = value is null or >= 1 ? value
            : throw new ArgumentOutOfRangeException(nameof(Runs), value, $"n_init (runs) is {value}; it must be at least 1 or auto.");
    }

    /// <summary>The most Lloyd iterations per run (default 300).</summary>
    public int MaxIterations
    {
        get => _maxIterations;
        init => _maxIterations = value >= 1 ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxIterations), value, $"max_iter is {value}; it must be at least 1.");
    }

    /// <summary>
    /// Convergence tolerance (default 1e-4), relative to the mean per-feature variance of the data as in scikit-learn:
    /// a run stops when the summed squared centre shift is at most <c>tol × mean(var(X, axis=0))</c>, or when no label changes.
    /// </summary>
    public double Tolerance
    {
        get => _tolerance;
        init => _tolerance = value >= 0 && double.IsFinite(value) ? value
            : throw new ArgumentOutOfRangeException(nameof(Tolerance), value, $"tol is {value}; it must be a finite number ≥ 0.");
    }

    /// <summary>Seed for k-means++; the same seed and data give the same result. <c>null</c> (default): a fresh seed each call.</summary>
    public int? RandomState { get; init; }

    /// <summary>The most cores to use; <c>null</c> (default) uses all. Results do not depend on it.</summary>
    public int? MaxDegreeOfParallelism
    {
        get => _maxDegreeOfParallelism;
        init => _maxDegreeOfParallelism = value is null or >= 1 ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxDegreeOfParallelism), value, "must be at least 1 or null.");
    }
}
