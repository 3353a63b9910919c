using System.Text.Json;
using System.Text.Json.Nodes;
using Qianru.Quantization;
using Qianru.Tests.Support;

namespace Qianru.Tests.Quantization;

/// <summary>The int8 cache: reused when valid; rebuilt, never used, when corrupt, truncated or from another format version.</summary>
public sealed class QuantizedModelCacheTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "qianru-tests", "qcache-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly byte[] _source = TinyOnnx.Linear(TinyOnnx.Random(new Random(5), 64 * 16, 0.2f), new float[16], 64, 16);
    private readonly QuantizationOptions _options = new();

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public void A_valid_cache_entry_is_reused_and_no_temporary_file_is_left()
    {
        var path = Get();
        var written = File.GetLastWriteTimeUtc(path);
        File.SetLastWriteTimeUtc(path, written.AddHours(-1));
        Assert.Equal(path, Get());
        Assert.Equal(written.AddHours(-1), File.GetLastWriteTimeUtc(path));
        Assert.Empty(Directory.EnumerateFiles(_folder, "*.tmp", SearchOption.AllDirectories));
        Assert.Equal(ModelQuantizer.QuantizeOnnx(_source, _options, out _), File.ReadAllBytes(path));
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    [InlineData("empty")]
    [InlineData("no-manifest")]
    [InlineData("bad-manifest")]
    [InlineData("old-format")]
    public void An_invalid_cache_entry_is_rebuilt(string damage)
    {
        var path = Get();
        var good = File.ReadAllBytes(path);
        var manifest = Path.ChangeExtension(path, ".json");
        switch (damage)
        {
            case "flip":
                var flipped = good.ToArray();
                flipped[flipped.Length / 2] ^= 0x40;
                File.WriteAllBytes(path, flipped);
                break;
            case "truncate":
                File.WriteAllBytes(path, good[..(good.Length / 2)]);
                break;
            case "empty":
                File.WriteAllBytes(path, []);
                break;
            case "no-manifest":
                File.Delete(manifest);
                File.WriteAllBytes(path, [1, 2, 3]);
                break;
            case "bad-manifest":
                File.WriteAllText(manifest, "{ not json");
                break;
            case "old-format":
                var json = JsonNode.Parse(File.ReadAllText(manifest))!;
                json["Format"] = QuantizedModelCache.FormatVersion - 1;
                File.WriteAllText(manifest, json.ToJsonString());
                break;
        }

        var before = DateTime.UtcNow.AddDays(-1);
        File.SetLastWriteTimeUtc(path, before);
        Assert.Equal(path, Get());
        Assert.Equal(good, File.ReadAllBytes(path));
        Assert.NotEqual(before, File.GetLastWriteTimeUtc(path));
        using var doc = JsonDocument.Parse(File.ReadAllBytes(manifest));
        Assert.Equal(QuantizedModelCache.FormatVersion, doc.RootElement.GetProperty("Format").GetInt32());
    }

    [Fact]
    public void Other_source_bytes_or_settings_get_their_own_entry()
    {
        var path = Get();
        var other = TinyOnnx.Linear(TinyOnnx.Random(new Random(6), 64 * 16, 0.2f), new float[16], 64, 16);
        Assert.NotEqual(path, QuantizedModelCache.GetOrCreate(_folder, "tiny", () => other, _options, null));
        Assert.NotEqual(path, QuantizedModelCache.GetOrCreate(_folder, "tiny", () => _source, new QuantizationOptions { SmoothingAlpha = 0.5f }, null));
        Assert.NotEqual(path, QuantizedModelCache.GetOrCreate(_folder, "tiny", () => _source, new QuantizationOptions { Method = QuantizationMethod.Block }, null));
        Assert.Equal(path, Get());
    }

    [Fact]
    public void Other_calibration_text_gets_its_own_entry()
    {
        var model = Qianru.Models.ModelLoader.LoadEmbedded(Qianru.Models.EmbeddedModels.MiniLM);
        var calibration = CalibrationText.Sequences(model.Tokenizer, 256);
        var first = QuantizedModelCache.GetOrCreate(_folder, "minilm-int8", model.OnnxBytes!, _options, calibration);
        var second = QuantizedModelCache.GetOrCreate(_folder, "minilm-int8", model.OnnxBytes!, _options, calibration.Take(10).ToList());
        Assert.NotEqual(first, second);
        Assert.NotEqual(File.ReadAllBytes(first), File.ReadAllBytes(second));
        Assert.Equal(first, QuantizedModelCache.GetOrCreate(_folder, "minilm-int8", model.OnnxBytes!, _options, calibration));
    }

    [Fact]
    public void A_corrupt_minilm_int8_file_is_rebuilt_when_the_model_is_loaded()
    {
        var reference = QuantizedEmbedders.MiniLmInt8.Embed("A corrupt cache is never used.");
        var file = Directory.EnumerateFiles(Path.Combine(QuantizedEmbedders.CacheFolder, "quantized"), "minilm-int8-*.onnx").Single();

        // Replace (new inode) rather than overwrite: the shared session may still map the old file.
        var damaged = File.ReadAllBytes(file);
        Array.Clear(damaged, damaged.Length / 3, 4096);
        File.WriteAllBytes(file + ".damaged", damaged);
        File.Move(file + ".damaged", file, overwrite: true);

        using var embedder = SentenceEmbedder.Create("minilm-int8");
        Assert.Equal(reference, embedder.Embed("A corrupt cache is never used."));
        Assert.Equal("minilm-int8", embedder.Model.Id);
    }

    private string Get() => QuantizedModelCache.GetOrCreate(_folder, "tiny", () => _source, _options, null);
}
