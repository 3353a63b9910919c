using System.Text.Json;
using Qianru.Models;
using Qianru.Tests.Support;

namespace Qianru.Tests.Embedding;

/// <summary>A model is identified by what it computes (weights, tokenizer, pooling), not by its name.</summary>
public sealed class ModelFingerprintTests
{
    [Fact]
    public void The_same_weights_and_tokenizer_give_the_same_fingerprint_embedded_or_in_a_folder_of_any_name()
    {
        var embedded = SharedEmbedders.MiniLm.Model.Fingerprint;
        Assert.Matches("^sha256:[0-9a-f]{64}$", embedded);
        foreach (var spec in new[] { new ModelFolders.Spec(), new ModelFolders.Spec { OnnxInSubfolder = true, TokenizerJson = true, VocabTxt = false } })
        {
            using var folder = SentenceEmbedder.Create(ModelFolders.Create(spec));
            Assert.NotEqual("minilm", folder.Model.Id);
            Assert.Equal(embedded, folder.Model.Fingerprint);
        }

        using var again = SentenceEmbedder.Create("minilm");
        Assert.Equal(embedded, again.Model.Fingerprint);
        Assert.NotEqual(embedded, SharedEmbedders.ArcticXs.Model.Fingerprint);
    }

    [Fact]
    public void Other_pooling_or_a_folder_named_minilm_holding_arctic_xs_gets_another_fingerprint()
    {
        var embedded = SharedEmbedders.MiniLm.Model.Fingerprint;
        using (var cls = SentenceEmbedder.Create(ModelFolders.Create(new ModelFolders.Spec { Pooling = "cls" })))
        {
            Assert.NotEqual(embedded, cls.Model.Fingerprint);
        }

        var impostor = ArcticFolderNamed("minilm");
        using var arctic = SentenceEmbedder.Create(impostor);
        Assert.Equal("minilm", arctic.Model.Id);
        Assert.NotEqual(embedded, arctic.Model.Fingerprint);
        Assert.Equal(SharedEmbedders.ArcticXs.Model.Fingerprint, arctic.Model.Fingerprint); // the same model as the embedded arctic-xs
    }

    [Fact]
    public void Changed_weights_of_the_same_size_change_the_fingerprint()
    {
        var dir = Path.Combine(Path.GetTempPath(), "qianru-tests", "fp-" + Guid.NewGuid().ToString("N")[..8]);
        var source = ModelFolders.Create(new ModelFolders.Spec());
        Directory.CreateDirectory(dir);
        foreach (var file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        }

        CopyDirectory(Path.Combine(source, "1_Pooling"), Path.Combine(dir, "1_Pooling"));
        string? before;
        using (var original = SentenceEmbedder.Create(dir))
        {
            before = original.Model.Fingerprint;
        }

        // One byte in the middle of the weights; the size stays, the modification time moves.
        var onnx = Path.Combine(dir, "model.onnx");
        var bytes = File.ReadAllBytes(onnx);
        bytes[bytes.Length - 1000] ^= 0x01;
        File.WriteAllBytes(onnx, bytes);
        File.SetLastWriteTimeUtc(onnx, DateTime.UtcNow.AddMinutes(1));
        using var changed = SentenceEmbedder.Create(dir);
        Assert.NotEqual(before, changed.Model.Fingerprint);
        Directory.Delete(dir, recursive: true);
    }

    /// <summary>A sentence-transformers folder holding snowflake-arctic-embed-xs (CLS pooling, normalized) under <paramref name="name"/>.</summary>
    internal static string ArcticFolderNamed(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "qianru-tests", $"arctic-{Guid.NewGuid():N}"[..16], name);
        Directory.CreateDirectory(Path.Combine(dir, "1_Pooling"));
        File.WriteAllBytes(Path.Combine(dir, "model.onnx"), EmbeddedModels.ReadOnnx(EmbeddedModels.ArcticXs));
        File.WriteAllBytes(Path.Combine(dir, "vocab.txt"), EmbeddedModels.ReadVocabulary(EmbeddedModels.ArcticXs));
        File.WriteAllText(Path.Combine(dir, "config.json"), JsonSerializer.Serialize(new { model_type = "bert", hidden_size = 384, max_position_embeddings = 512 }));
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), JsonSerializer.Serialize(new { tokenizer_class = "BertTokenizer", do_lower_case = true, model_max_length = 512 }));
        File.WriteAllText(Path.Combine(dir, "modules.json"), JsonSerializer.Serialize(new object[]
        {
            new { idx = 0, name = "0", path = "", type = "sentence_transformers.models.Transformer" },
            new { idx = 1, name = "1", path = "1_Pooling", type = "sentence_transformers.models.Pooling" },
            new { idx = 2, name = "2", path = "2_Normalize", type = "sentence_transformers.models.Normalize" },
        }));
        File.WriteAllText(Path.Combine(dir, "1_Pooling", "config.json"), JsonSerializer.Serialize(new { word_embedding_dimension = 384, pooling_mode_cls_token = true, pooling_mode_mean_tokens = false }));
        return dir;
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}
