using Qianru.Models;
using Qianru.Tests.Support;

namespace Qianru.Tests.Import;

/// <summary>
/// Hugging Face folders with weights and no ONNX export: the graph Qianru builds gives the vectors of the model it came
/// from (the embedded MiniLM) and of an independent plain-torch reference (Fixtures/import/bert-zh).
/// </summary>
public sealed class ImportedBertTests
{
    private static readonly Lazy<SentenceEmbedder> Embedded = new(() => SentenceEmbedder.Create("minilm"));

    [Fact]
    public void MiniLm_as_safetensors_gives_the_embedded_models_vectors()
    {
        var dir = ImportFolders.MiniLmFolder("st");
        HfWeights.WriteSafetensors(Path.Combine(dir, "model.safetensors"), HfWeights.MiniLm);
        AssertSameAsEmbedded(dir);
    }

    [Fact]
    public void MiniLm_as_pytorch_model_bin_with_bert_prefix_gives_the_embedded_models_vectors()
    {
        var dir = ImportFolders.MiniLmFolder("bin");
        HfWeights.WriteTorchBin(Path.Combine(dir, "pytorch_model.bin"), HfWeights.MiniLm, prefix: "bert.");
        AssertSameAsEmbedded(dir);
    }

    [Theory]
    [InlineData("F16")]
    [InlineData("BF16")]
    public void MiniLm_as_half_precision_safetensors_matches_the_float32_import_of_the_rounded_weights(string dtype)
    {
        var half = ImportFolders.MiniLmFolder(dtype);
        HfWeights.WriteSafetensors(Path.Combine(half, "model.safetensors"), HfWeights.MiniLm, dtype);
        var rounded = ImportFolders.MiniLmFolder(dtype + "-f32");
        HfWeights.WriteSafetensors(Path.Combine(rounded, "model.safetensors"), HfWeights.Rounded(HfWeights.MiniLm, dtype));
        using var a = SentenceEmbedder.Create(half);
        using var b = SentenceEmbedder.Create(rounded);
        var texts = Golden.Items.Select(i => i.Text).ToArray();
        var va = a.EmbedBatch(texts);
        var vb = b.EmbedBatch(texts);
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Equal(vb[i], va[i]);
        }

        // Rounding moved the vectors, but only a little (BF16 keeps 8 bits of mantissa).
        var reference = Embedded.Value.EmbedBatch(texts);
        Assert.All(texts.Select((_, i) => Golden.Cosine(va[i], reference[i])), c => Assert.True(c > (dtype == "F16" ? 0.9999 : 0.995), $"cosine {c}"));
        Assert.Contains(texts.Select((_, i) => Golden.MaxAbsDiff(va[i], reference[i])), d => d > 0);
    }

    [Fact]
    public void A_second_load_reuses_the_built_graph_and_a_changed_weights_file_is_rebuilt()
    {
        var dir = ImportFolders.MiniLmFolder("cache");
        var weights = Path.Combine(dir, "model.safetensors");
        HfWeights.WriteSafetensors(weights, HfWeights.MiniLm);
        string first;
        using (var a = SentenceEmbedder.Create(dir))
        {
            first = a.Model.Source;
        }

        var built = Directory.GetFiles(Path.Combine(Quantization.QuantizedEmbedders.CacheFolder, "imported"), "model.onnx", SearchOption.AllDirectories)
            .Where(p => p.Contains(Path.GetFileName(dir), StringComparison.Ordinal)).ToList();
        Assert.Single(built);
        var stamp = File.GetLastWriteTimeUtc(built[0]);
        using (SentenceEmbedder.Create(dir))
        {
            Assert.Equal(stamp, File.GetLastWriteTimeUtc(built[0]));
        }

        // New weights (every value scaled) at the same path: a new graph, new vectors.
        HfWeights.WriteSafetensors(weights, [.. HfWeights.MiniLm.Select(t => t.Name == "embeddings.word_embeddings.weight" ? t with { Floats = [.. t.Floats!.Select(f => f * 0.5f)] } : t)]);
        File.SetLastWriteTimeUtc(weights, DateTime.UtcNow.AddMinutes(1));
        using var changed = SentenceEmbedder.Create(dir);
        var again = Directory.GetFiles(Path.Combine(Quantization.QuantizedEmbedders.CacheFolder, "imported"), "model.onnx", SearchOption.AllDirectories)
            .Count(p => p.Contains(Path.GetFileName(dir), StringComparison.Ordinal));
        Assert.Equal(2, again);
        Assert.True(Golden.Cosine(changed.Embed(Golden.Items[0].Text), Embedded.Value.Embed(Golden.Items[0].Text)) < 0.9999);
    }

    [Fact]
    public void A_symlinked_weights_file_is_keyed_by_its_target_as_in_the_hugging_face_cache()
    {
        // snapshots/REV/model.safetensors -> blobs/HASH, as huggingface_hub lays it out; a new revision points elsewhere.
        var dir = ImportFolders.CopyFixture("bert-zh", "model.safetensors");
        var blobs = Path.Combine(Path.GetDirectoryName(dir)!, Path.GetFileName(dir) + "-blobs");
        Directory.CreateDirectory(blobs);
        var original = File.ReadAllBytes(ImportFolders.FixturePath("bert-zh", "model.safetensors"));
        var changed = (byte[])original.Clone();
        var dataStart = 8 + (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(original);
        changed[dataStart + (2 * 32 * 4) + 3] ^= 0x80; // word_embeddings (the first tensor), row [CLS] = 2: a sign flips
        File.WriteAllBytes(Path.Combine(blobs, "a"), original);
        File.WriteAllBytes(Path.Combine(blobs, "b"), changed);
        var stamp = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(Path.Combine(blobs, "a"), stamp);
        File.SetLastWriteTimeUtc(Path.Combine(blobs, "b"), stamp);
        var link = Path.Combine(dir, "model.safetensors");
        File.CreateSymbolicLink(link, Path.Combine(blobs, "a"));
        var expected = ImportFolders.ReadExpected("bert-zh");
        float[] first;
        using (var a = SentenceEmbedder.Create(dir))
        {
            first = a.Embed(expected[2].Text!);
            ImportFolders.AssertClose(first, expected[2].Embedding, "blob a");
        }

        File.Delete(link);
        File.CreateSymbolicLink(link, Path.Combine(blobs, "b"));
        using var b = SentenceEmbedder.Create(dir);
        Assert.NotEqual(first, b.Embed(expected[2].Text!));
    }

    [Fact]
    public void The_model_folder_is_never_written()
    {
        var dir = ImportFolders.MiniLmFolder("ro");
        HfWeights.WriteSafetensors(Path.Combine(dir, "model.safetensors"), HfWeights.MiniLm);
        var before = Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Order().ToArray();
        using (SentenceEmbedder.Create(dir))
        {
        }

        Assert.Equal(before, Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Order().ToArray());
    }

    [Fact]
    public void Chinese_bert_from_safetensors_matches_the_torch_reference_ids_and_vectors()
    {
        AssertMatchesBertZh(ImportFolders.CopyFixture("bert-zh"));
    }

    [Fact]
    public void Chinese_bert_from_torch_save_bin_with_strided_and_shared_storages_matches_the_torch_reference()
    {
        var dir = ImportFolders.CopyFixture("bert-zh", "model.safetensors");
        File.Copy(ImportFolders.FixturePath("bert-zh-bin", "pytorch_model.bin"), Path.Combine(dir, "pytorch_model.bin"));
        AssertMatchesBertZh(dir);
    }

    private static void AssertMatchesBertZh(string dir)
    {
        using var embedder = SentenceEmbedder.Create(dir);
        Assert.Equal(PoolingMode.Cls, embedder.Model.Pooling);
        Assert.True(embedder.Model.Normalize);
        Assert.Equal(32, embedder.Model.Dimensions);
        var expected = ImportFolders.ReadExpected("bert-zh");
        var texts = expected.Select(e => e.Text!).ToArray();
        foreach (var item in expected)
        {
            Assert.Equal(item.TokenIds, embedder.Tokenize(item.Text!).Ids);
        }

        var batch = embedder.EmbedBatch(texts);
        for (var i = 0; i < texts.Length; i++)
        {
            ImportFolders.AssertClose(batch[i], expected[i].Embedding, texts[i]);
            ImportFolders.AssertClose(embedder.Embed(texts[i]), expected[i].Embedding, texts[i] + " (alone)");
        }
    }

    private static void AssertSameAsEmbedded(string dir)
    {
        using var imported = SentenceEmbedder.Create(dir);
        Assert.Equal(384, imported.Model.Dimensions);
        var texts = Golden.Items.Select(i => i.Text).ToArray();
        var ours = imported.EmbedBatch(texts);
        var reference = Embedded.Value.EmbedBatch(texts);
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Equal(Golden.Items[i].TokenIds, imported.Tokenize(texts[i]).Ids);
            ImportFolders.AssertClose(ours[i], reference[i], texts[i]);
            ImportFolders.AssertClose(ours[i], Golden.Items[i].Embedding, texts[i] + " (golden)");
        }
    }
}
