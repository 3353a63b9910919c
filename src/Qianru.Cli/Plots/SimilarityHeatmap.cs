using Qianru.Similarity;
using ScottPlot;

namespace Qianru.Cli.Plots;

/// <summary>A PNG heatmap of the cosine similarity of every pair of texts, labelled with the texts.</summary>
internal static class SimilarityHeatmap
{
    public static void Save(string path, IReadOnlyList<string> labels, IReadOnlyList<float[]> vectors, string title, TextWriter? warnings = null)
    {
        if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
        {
            throw new Infrastructure.CliUsageException($"--plot {path}: the plot is written as PNG; give a file name ending in .png.");
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null && !Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"--plot {path}: folder {folder} does not exist.");
        }

        var n = vectors.Count;
        var scores = VectorSimilarity.Compute(SimilarityMetric.Cosine, vectors, vectors);
        var data = new double[n, n];
        for (var r = 0; r < n; r++)
        {
            for (var c = 0; c < n; c++)
            {
                data[r, c] = scores[r][c];
            }
        }

        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(data);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        plot.Add.ColorBar(heatmap);
        for (var r = 0; r < n; r++)
        {
            for (var c = 0; c < n; c++)
            {
                var text = plot.Add.Text(data[r, c].ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), c, n - 1 - r);
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontColor = data[r, c] > 0.6 ? Colors.Black : Colors.White;
                text.LabelFontSize = 11;
            }
        }

        var shortLabels = labels.Select(l => l.Length > 14 ? l[..13] + "…" : l).ToArray();
        var positions = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, shortLabels);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(positions, [.. shortLabels.Reverse()]);
        plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 150;
        plot.Axes.Left.MinimumSize = 150;
        plot.Title(title);
        // A font that can draw the labels' characters (a CJK font such as Noto Sans CJK where installed).
        var font = PlotFonts.For(string.Concat(labels), warnings);
        plot.Axes.Bottom.TickLabelStyle.FontName = font;
        plot.Axes.Left.TickLabelStyle.FontName = font;
        plot.SavePng(path, 900, 800);
    }
}
