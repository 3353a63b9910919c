namespace Qianru.Cli.Clustering;

/// <summary>What one run of <c>qianru cluster</c> found, ready to print or plot.</summary>
internal sealed class ClusterOutcome
{
    public required string Algorithm { get; init; }

    public required int[] Labels { get; init; }

    /// <summary>The texts of the rows, or null when only vectors were given.</summary>
    public IReadOnlyList<string>? Texts { get; init; }

    public int ClusterCount => Labels.Where(l => l >= 0).Distinct().Count();

    public int NoiseCount => Labels.Count(l => l < 0);

    /// <summary>Mean silhouette of the clustered (non-noise) rows, or null when it is not defined.</summary>
    public double? Silhouette { get; init; }

    /// <summary>Why <see cref="Silhouette"/> is null, or how it was computed (a sample), for the summary.</summary>
    public string? SilhouetteNote { get; init; }

    public required string SilhouetteMetric { get; init; }

    /// <summary>Algorithm-specific results for the json format (inertia, core samples, communities ...).</summary>
    public Dictionary<string, object?> Details { get; init; } = [];
}
