using Qianru.Clustering;
using ScottPlot;

namespace Qianru.Cli.Clustering;

/// <summary>Draws the 2-D PCA projection of the rows as a PNG scatter plot, one colour per cluster, noise in grey.</summary>
internal static class ClusterPlot
{
    public const int Width = 900;
    public const int Height = 700;

    /// <summary>Legend lines at most; further clusters are drawn but not listed.</summary>
    public const int MaxLegendEntries = 30;

    public static void Save(string path, VectorMatrix vectors, int[] labels, string title, CancellationToken cancellationToken = default)
    {
        if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
        {
            throw new Infrastructure.CliUsageException($"--plot {path}: the plot is written as PNG; give a file name ending in .png.");
        }

        var folder = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(folder) && !Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"--plot {path}: folder {folder} does not exist.");
        }

        var points = vectors.Rows >= 2 && vectors.Dimensions >= 2
            ? Pca.Project(vectors, 2, cancellationToken)
            : [.. Enumerable.Range(0, vectors.Rows).Select(i => new[] { (double)vectors[i][0], vectors.Dimensions > 1 ? vectors[i][1] : 0.0 })];

        var plot = new Plot();

        // Category10 without its grey (kept for noise); past 9 clusters the colours repeat with another marker shape.
        var category10 = new ScottPlot.Palettes.Category10();
        var colours = Enumerable.Range(0, 10).Where(i => i != 7).Select(category10.GetColor).ToArray();
        MarkerShape[] shapes = [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond, MarkerShape.FilledTriangleDown];
        var shown = 0;
        foreach (var label in labels.Distinct().Order())
        {
            var members = Enumerable.Range(0, labels.Length).Where(i => labels[i] == label).ToArray();
            var xs = members.Select(i => points[i][0]).ToArray();
            var ys = members.Select(i => points[i][1]).ToArray();
            var scatter = plot.Add.ScatterPoints(xs, ys);
            scatter.MarkerSize = 9;
            scatter.Color = label < 0 ? Colors.Gray.WithAlpha(0.7) : colours[label % colours.Length];
            scatter.MarkerShape = label < 0 ? MarkerShape.FilledCircle : shapes[label / colours.Length % shapes.Length];
            if (shown++ < MaxLegendEntries)
            {
                scatter.LegendText = label < 0 ? $"noise ({members.Length})" : $"cluster {label} ({members.Length})";
            }
        }

        plot.Title(title);
        plot.XLabel("PC 1");
        plot.YLabel("PC 2");
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, Width, Height);
    }
}
