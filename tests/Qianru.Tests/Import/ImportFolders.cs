using System.Text.Json;
using Qianru.Quantization;
using Qianru.Tests.Quantization;
using Qianru.Tests.Support;

namespace Qianru.Tests.Import;

/// <summary>Hugging Face folders without an ONNX export for the importer tests, and the fixtures made by Fixtures/import/make_fixtures.py.</summary>
internal static class ImportFolders
{
    public static string FixturePath(params string[] parts) => Path.Combine([AppContext.BaseDirectory, "Fixtures", "import", .. parts]);

    /// <summary>Points Qianru's cache at this test run's folder (the same one the quantization tests use).</summary>
    public static void UseTestCache() => Environment.SetEnvironmentVariable(QuantizedModelCache.CacheVariable, QuantizedEmbedders.CacheFolder);

    public static string NewFolder(string name)
    {
        UseTestCache();
        var dir = Path.Combine(Path.GetTempPath(), "qianru-tests", $"import-{name}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Copies a fixture folder (recursively) into a new temporary folder, leaving out the named files.</summary>
    public static string CopyFixture(string fixture, params string[] except)
    {
        var dir = NewFolder(fixture);
        var source = FixturePath(fixture);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (except.Contains(relative) || relative == "expected.json")
            {
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(dir, relative))!);
            File.Copy(file, Path.Combine(dir, relative));
        }

        return dir;
    }

    /// <summary>A MiniLM hub-layout folder (config.json, vocab.txt, tokenizer files, modules.json, 1_Pooling) with no weights yet.</summary>
    public static string MiniLmFolder(string name)
    {
        var spec = new ModelFolders.Spec { TokenizerJson = true };
        var dir = ModelFolders.Create(spec, $"import-{name}-{Guid.NewGuid():N}"[..40]);
        UseTestCache();
        File.Delete(Path.Combine(dir, "model.onnx"));
        File.WriteAllText(Path.Combine(dir, "config.json"), JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["architectures"] = new[] { "BertModel" },
            ["model_type"] = "bert",
            ["hidden_size"] = 384,
            ["num_attention_heads"] = 12,
            ["num_hidden_layers"] = 6,
            ["intermediate_size"] = 1536,
            ["hidden_act"] = "gelu",
            ["layer_norm_eps"] = 1e-12,
            ["max_position_embeddings"] = 512,
            ["type_vocab_size"] = 2,
            ["pad_token_id"] = 0,
            ["vocab_size"] = 30522,
            ["position_embedding_type"] = "absolute",
        }));
        return dir;
    }

    public sealed record Expected(string? Text, long[] TokenIds, float[] Embedding);

    public static IReadOnlyList<Expected> ReadExpected(string fixture)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(FixturePath(fixture, "expected.json")));
        return [.. doc.RootElement.GetProperty("items").EnumerateArray().Select(e => new Expected(
            e.TryGetProperty("text", out var t) ? t.GetString() : null,
            [.. e.GetProperty("token_ids").EnumerateArray().Select(x => x.GetInt64())],
            [.. e.GetProperty("embedding").EnumerateArray().Select(x => x.GetSingle())]))];
    }

    public static void AssertClose(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, string what, double maxDiff = 1e-4)
    {
        var cos = Golden.Cosine(actual, expected);
        var diff = Golden.MaxAbsDiff(actual, expected);
        Assert.True(cos >= 0.9999 && diff <= maxDiff, $"{what}: cosine {cos:F6}, max |Δ| {diff:E2}");
    }
}
