using System.Text.Json;

namespace Qianru.Cli.Tests.Support;

/// <summary>The reference ids and vectors of Fixtures/golden/minilm_dev.json (copied from ../shared/golden).</summary>
public static class Golden
{
    public sealed record Item(string Text, long[] TokenIds, string[] Tokens, float[] Embedding);

    public static IReadOnlyList<Item> Items { get; } = Load();

    public static double Cosine(IReadOnlyList<float> a, IReadOnlyList<float> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Count; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }

    public static double MaxAbsDiff(IReadOnlyList<float> a, IReadOnlyList<float> b) =>
        a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();

    private static List<Item> Load()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "golden", "minilm_dev.json")));
        return [.. doc.RootElement.GetProperty("items").EnumerateArray().Select(e => new Item(
            e.GetProperty("text").GetString()!,
            [.. e.GetProperty("token_ids").EnumerateArray().Select(x => x.GetInt64())],
            [.. e.GetProperty("tokens").EnumerateArray().Select(x => x.GetString()!)],
            [.. e.GetProperty("embedding").EnumerateArray().Select(x => x.GetSingle())]))];
    }
}
