using System.Text.Json;
using Qianru.Models;
using Qianru.Quantization;
using Qianru.Tests.Support;

namespace Qianru.Tests.Quantization;

/// <summary><see cref="ModelQuantizer.QuantizeModel"/>: complete, loadable model folders from embedded models and model folders.</summary>
public sealed class QuantizedModelFolderTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "qianru-tests", "qfolder-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public void Quantized_minilm_folder_loads_and_equals_minilm_int8()
    {
        var output = Path.Combine(_root, "minilm-q");
        var result = ModelQuantizer.QuantizeModel("minilm", output);
        Assert.Equal(36, result.Quantized.Count);
        Assert.StartsWith("SmoothQuant alpha 0.6, ", result.Smoothing, StringComparison.Ordinal);
        Assert.Contains("encoder.layer.5.output.dense", result.Quantized);
        Assert.True(result.QuantizedBytes < result.SourceBytes * 0.7, $"{result.QuantizedBytes} of {result.SourceBytes} bytes");

        using var embedder = SentenceEmbedder.Create(output);
        var m = embedder.Model;
        Assert.Equal((384, 256, PoolingMode.Mean, true), (m.Dimensions, m.MaxSequenceLength, m.Pooling, m.Normalize));
        var texts = Golden.Items.Take(4).Select(i => i.Text).ToArray();
        Assert.Equal(QuantizedEmbedders.MiniLmInt8.EmbedBatch(texts), embedder.EmbedBatch(texts));
        Assert.Equal(Golden.Items[0].TokenIds, embedder.Tokenize(Golden.Items[0].Text).Ids);

        using var record = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "quantization.json")));
        Assert.Equal(8, record.RootElement.GetProperty("bits").GetInt32());
        Assert.Equal("com.microsoft.MatMulIntegerToFloat", record.RootElement.GetProperty("operator").GetString());
        Assert.Equal("row-int8", record.RootElement.GetProperty("method").GetString());
        Assert.Empty(Directory.EnumerateFiles(_root, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void Quantized_arctic_folder_keeps_cls_pooling_512_tokens_and_the_query_prompt()
    {
        var output = Path.Combine(_root, "arctic-q");
        ModelQuantizer.QuantizeModel("arctic-xs", output, new QuantizationOptions { Exclude = ["encoder.layer.0.*"] });
        using var embedder = SentenceEmbedder.Create(output);
        var expected = EmbeddedModels.ArcticXs.Info;
        Assert.Equal((expected.Pooling, expected.MaxSequenceLength, expected.Normalize), (embedder.Model.Pooling, embedder.Model.MaxSequenceLength, embedder.Model.Normalize));
        Assert.Equal(expected.Prompts, embedder.Model.Prompts);
        using var record = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "quantization.json")));
        Assert.Equal(6, record.RootElement.GetProperty("skipped").GetArrayLength());
        Assert.Equal(30, record.RootElement.GetProperty("quantized").GetArrayLength());
    }

    [Fact]
    public void A_model_folder_is_copied_with_its_tokenizer_and_the_onnx_in_the_same_place()
    {
        var source = ModelFolders.Create(new ModelFolders.Spec { OnnxInSubfolder = true, TokenizerJson = true, Pooling = "cls", Normalize = false }, "qsource-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var output = Path.Combine(_root, "folder-q");
            ModelQuantizer.QuantizeModel(source, output, new QuantizationOptions { Method = QuantizationMethod.Block, PerChannel = true, BlockSize = 128 });
            Assert.True(File.Exists(Path.Combine(output, "onnx", "model.onnx")));
            Assert.False(File.Exists(Path.Combine(output, "model.onnx")));
            Assert.Equal(File.ReadAllBytes(Path.Combine(source, "tokenizer.json")), File.ReadAllBytes(Path.Combine(output, "tokenizer.json")));

            using var fp32 = SentenceEmbedder.Create(source);
            using var int8 = SentenceEmbedder.Create(output);
            Assert.Equal((PoolingMode.Cls, false), (int8.Model.Pooling, int8.Model.Normalize));
            var texts = Golden.Items.Take(6).Select(i => i.Text).ToArray();
            var a = fp32.EmbedBatch(texts);
            var b = int8.EmbedBatch(texts);
            for (var i = 0; i < texts.Length; i++)
            {
                Assert.True(Golden.Cosine(a[i], b[i]) >= 0.99, $"text {i}: cosine {Golden.Cosine(a[i], b[i])}");
            }
        }
        finally
        {
            Directory.Delete(source, recursive: true);
        }
    }

    [Fact]
    public void Excluding_everything_round_trips_the_onnx_graph_and_gives_the_float32_vectors()
    {
        var output = Path.Combine(_root, "minilm-roundtrip");
        var result = ModelQuantizer.QuantizeModel("minilm", output, new QuantizationOptions { Exclude = ["*"] });
        Assert.Empty(result.Quantized);
        Assert.Equal(36, result.Skipped.Count);
        using var embedder = SentenceEmbedder.Create(output);
        var texts = Golden.Items.Take(4).Select(i => i.Text).ToArray();
        Assert.Equal(SharedEmbedders.MiniLm.EmbedBatch(texts), embedder.EmbedBatch(texts));
    }

    [Fact]
    public void A_non_empty_output_folder_is_refused()
    {
        var output = Path.Combine(_root, "taken");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "keep.txt"), "mine");
        var ex = Assert.Throws<QianruException>(() => ModelQuantizer.QuantizeModel("minilm", output));
        Assert.Contains("not empty", ex.Message, StringComparison.Ordinal);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(output, "keep.txt")));
    }

    [Fact]
    public void An_int8_model_cannot_be_quantized_again()
    {
        var ex = Assert.Throws<QianruException>(() => ModelQuantizer.QuantizeModel("minilm-int8", Path.Combine(_root, "twice")));
        Assert.Contains("already quantized", ex.Message, StringComparison.Ordinal);
    }
}
