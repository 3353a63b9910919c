using System.Text.Json;

namespace Qianru.Tests.Clustering;

/// <summary>Reads Fixtures/clustering/sklearn_reference.json (written by generate.py with Debian's scikit-learn).</summary>
internal static class SklearnReference
{
    private static readonly Lazy<JsonElement> Root = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "clustering", "sklearn_reference.json"))).RootElement);

    public static IEnumerable<JsonElement> Cases(string section) => Root.Value.GetProperty(section).EnumerateArray();

    public static JsonElement Case(string section, string name) => Cases(section).Single(c => c.GetProperty("name").GetString() == name);

    public static TheoryData<string> Names(string section)
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases(section))
        {
            data.Add(c.GetProperty("name").GetString()!);
        }

        return data;
    }

    /// <summary>The rows as float32 (the generator stores float32 values, so the conversion is exact).</summary>
    public static float[][] Rows(JsonElement c, string property = "x") =>
        c.GetProperty(property).EnumerateArray().Select(r => r.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray()).ToArray();

    public static double[][] DoubleRows(JsonElement c, string property) =>
        c.GetProperty(property).EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();

    public static int[] Ints(JsonElement c, string property) => c.GetProperty(property).EnumerateArray().Select(v => v.GetInt32()).ToArray();
}
