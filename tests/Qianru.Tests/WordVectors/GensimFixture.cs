using System.Text.Json;

namespace Qianru.Tests.WordVectors;

/// <summary>The committed gensim fixtures (Fixtures/words, made by make_fixtures.py).</summary>
internal static class GensimFixture
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "Fixtures", "words");

    public static string PathOf(string name) => Path.Combine(Folder, name);

    private static readonly Lazy<JsonElement> Json = new(() => JsonDocument.Parse(File.ReadAllText(PathOf("expected.json"))).RootElement);

    public static JsonElement Expected => Json.Value;

    public static List<(string Word, double Score)> Results(JsonElement array) =>
        array.EnumerateArray().Select(e => (e[0].GetString()!, e[1].GetDouble())).ToList();

    public static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();

    /// <summary>The corpus as sentences of words.</summary>
    public static List<string[]> Corpus()
    {
        using var gz = new System.IO.Compression.GZipStream(File.OpenRead(PathOf("corpus.txt.gz")), System.IO.Compression.CompressionMode.Decompress);
        using var reader = new StreamReader(gz);
        var sentences = new List<string[]>();
        while (reader.ReadLine() is { } line)
        {
            sentences.Add(line.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }

        return sentences;
    }
}
