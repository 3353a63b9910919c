using Qianru.Quantization;
using Qianru.Tests.Support;

namespace Qianru.Tests.Import;

/// <summary>The int8 quantizer works on an imported folder (its built graph keeps weights in external data) and on an ONNX export with external data.</summary>
public sealed class ImportedQuantizeTests
{
    [Fact]
    public void An_imported_folder_quantizes_into_a_folder_that_loads_and_stays_close()
    {
        var dir = ImportFolders.MiniLmFolder("quant");
        HfWeights.WriteSafetensors(Path.Combine(dir, "model.safetensors"), HfWeights.MiniLm);
        var output = Path.Combine(ImportFolders.NewFolder("quant-out"), "q");
        var result = ModelQuantizer.QuantizeModel(dir, output);
        Assert.NotEmpty(result.Quantized);
        Assert.True(File.Exists(Path.Combine(output, "model.onnx")));
        Assert.False(File.Exists(Path.Combine(output, "model.safetensors")));
        using var quantized = SentenceEmbedder.Create(output);
        using var reference = SentenceEmbedder.Create("minilm");
        var texts = Golden.Items.Select(i => i.Text).ToArray();
        var a = quantized.EmbedBatch(texts);
        var b = reference.EmbedBatch(texts);
        Assert.All(texts.Select((_, i) => Golden.Cosine(a[i], b[i])), c => Assert.True(c > 0.98, $"cosine {c}"));
    }

    [Fact]
    public void An_onnx_export_with_external_data_quantizes()
    {
        var dir = ImportFolders.CopyFixture("xlm-roberta", "model.safetensors");
        Directory.CreateDirectory(Path.Combine(dir, "onnx"));
        foreach (var file in new[] { "model.onnx", "model.onnx_data" })
        {
            File.Copy(ImportFolders.FixturePath("xlm-roberta-onnx", "onnx", file), Path.Combine(dir, "onnx", file));
        }

        var output = Path.Combine(ImportFolders.NewFolder("quant-ext"), "q");
        var result = ModelQuantizer.QuantizeModel(dir, output);
        Assert.NotEmpty(result.Quantized);
        Assert.False(File.Exists(Path.Combine(output, "onnx", "model.onnx_data")));
        using var quantized = SentenceEmbedder.Create(output);
        var expected = ImportFolders.ReadExpected("xlm-roberta");
        var vectors = quantized.EncodeTokens([.. expected.Select(e => e.TokenIds)]).Vectors;
        Assert.All(expected.Select((e, i) => Golden.Cosine(vectors[i], e.Embedding)), c => Assert.True(c > 0.95, $"cosine {c}"));
    }
}
