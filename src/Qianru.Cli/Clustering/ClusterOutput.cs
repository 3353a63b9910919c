using System.Globalization;
using System.Text.Json;

namespace Qianru.Cli.Clustering;

/// <summary>Writes a <see cref="ClusterOutcome"/> as table, jsonl or json.</summary>
internal static class ClusterOutput
{
    public static readonly string[] Formats = ["table", "jsonl", "json"];

    private static readonly JsonSerializerOptions Json = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The seed's layout, <c>label&lt;TAB&gt;text</c> per row (the row index when there are no texts), then a summary.</summary>
    public static void WriteTable(TextWriter writer, ClusterOutcome outcome)
    {
        for (var i = 0; i < outcome.Labels.Length; i++)
        {
            var text = outcome.Texts is null ? i.ToString(CultureInfo.InvariantCulture) : OneLine(outcome.Texts[i]);
            writer.WriteLine($"{outcome.Labels[i]}\t{text}");
        }

        writer.WriteLine();
        var silhouette = outcome.Silhouette is { } s
            ? $"{s.ToString("F4", CultureInfo.InvariantCulture)} ({outcome.SilhouetteMetric}, noise excluded{(outcome.SilhouetteNote is null ? "" : ", " + outcome.SilhouetteNote)})"
            : $"n/a ({outcome.SilhouetteNote})";
        writer.WriteLine($"{outcome.Algorithm}: {outcome.ClusterCount} clusters, {outcome.NoiseCount} noise, silhouette {silhouette}");
    }

    public static void WriteJsonl(TextWriter writer, ClusterOutcome outcome)
    {
        for (var i = 0; i < outcome.Labels.Length; i++)
        {
            var row = new Dictionary<string, object> { ["index"] = i, ["label"] = outcome.Labels[i] };
            if (outcome.Texts is not null)
            {
                row["text"] = outcome.Texts[i];
            }

            writer.WriteLine(JsonSerializer.Serialize(row, Json));
        }
    }

    public static void WriteJson(TextWriter writer, ClusterOutcome outcome)
    {
        var document = new Dictionary<string, object?>
        {
            ["algorithm"] = outcome.Algorithm,
            ["labels"] = outcome.Labels,
            ["clusters"] = outcome.ClusterCount,
            ["noise"] = outcome.NoiseCount,
            ["silhouette"] = outcome.Silhouette,
            ["silhouette_metric"] = outcome.SilhouetteMetric,
        };
        if (outcome.Texts is not null)
        {
            document["texts"] = outcome.Texts;
        }

        foreach (var (key, value) in outcome.Details)
        {
            document[key] = value;
        }

        writer.WriteLine(JsonSerializer.Serialize(document, Json));
    }

    private static string OneLine(string text) => text.Replace('\t', ' ').ReplaceLineEndings(" ");
}
