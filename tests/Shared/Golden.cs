using System.Text.Json;

namespace Qianru.TestSupport;

/// <summary>
/// The reference ids and vectors of Fixtures/golden/minilm_dev.json (copied from ../shared/golden into each test
/// project that uses it), shared by Qianru.Tests and Qianru.Cli.Tests.
/// </summary>
public static class Golden
{
    public sealed record Item(string Text, long[] TokenIds, string[] Tokens, float[] Embedding);

    private static readonly Lazy<IReadOnlyList<Item>> LazyItems = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "golden", "minilm_dev.json")));
        return [.. doc.RootElement.GetProperty("items").EnumerateArray().Select(e => new Item(
            e.GetProperty("text").GetString()!,
            [.. e.GetProperty("token_ids").EnumerateArray().Select(x => x.GetInt64())],
            [.. e.GetProperty("tokens").EnumerateArray().Select(x => x.GetString()!)],
            [.. e.GetProperty("embedding").EnumerateArray().Select(x => x.GetSingle())]))];
    });

    public static IReadOnlyList<Item> Items => LazyItems.Value;

    public static TheoryData<int> Indexes()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Items.Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }

    public static double MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (var i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        }

        return max;
    }
}
