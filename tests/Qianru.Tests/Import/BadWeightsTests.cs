using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Qianru.Models.Import;
using Qianru.Tests.Support;

namespace Qianru.Tests.Import;

/// <summary>Broken or hostile weight folders fail with one line naming the file and what is wrong; nothing huge is allocated, nothing runs.</summary>
public sealed class BadWeightsTests
{
    [Fact]
    public void A_safetensors_header_that_is_not_json_is_refused()
    {
        var (dir, file) = Safetensors(Header("{\"a\": not json"));
        var ex = Assert.Throws<InvalidDataException>(() => SentenceEmbedder.Create(dir));
        AssertOneLine(ex, file, "not JSON");
    }

    [Fact]
    public void A_safetensors_header_longer_than_the_file_is_refused_without_allocating_it()
    {
        var dir = ImportFolders.CopyFixture("bert-zh", "model.safetensors");
        var file = Path.Combine(dir, "model.safetensors");
        var bytes = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 90_000_000); // under the 100 MB limit, far over the file
        File.WriteAllBytes(file, bytes);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(file));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1_000_000);
        AssertOneLine(ex, file, "claims 90000000 bytes");
        AssertOneLine(Assert.Throws<InvalidDataException>(() => SentenceEmbedder.Create(dir)), file, "claims 90000000 bytes");
    }

    [Fact]
    public void A_safetensors_header_over_100_MB_is_refused()
    {
        var dir = ImportFolders.CopyFixture("bert-zh", "model.safetensors");
        var file = Path.Combine(dir, "model.safetensors");
        var bytes = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 100_000_001);
        File.WriteAllBytes(file, bytes);
        AssertOneLine(Assert.Throws<InvalidDataException>(() => SentenceEmbedder.Create(dir)), file, "over the 100 MB limit");
    }

    [Fact]
    public void Safetensors_offsets_beyond_the_data_are_refused()
    {
        var (dir, file) = Safetensors(Header("{\"embeddings.word_embeddings.weight\":{\"dtype\":\"F32\",\"shape\":[1000,1000],\"data_offsets\":[0,4000000]}}"), dataBytes: 16);
        AssertOneLine(Assert.Throws<InvalidDataException>(() => SentenceEmbedder.Create(dir)), file, "embeddings.word_embeddings.weight", "run past the end of the data (16 bytes");
    }

    [Fact]
    public void Overlapping_safetensors_offsets_are_refused()
    {
        var (dir, file) = Safetensors(Header("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}"), dataBytes: 24);
        AssertOneLine(Assert.Throws<InvalidDataException>(() => SentenceEmbedder.Create(dir)), file, "tensor b", "overlaps tensor a");
    }

    [Fact]
    public void A_shape_that_does_not_match_the_byte_count_is_refused()
    {
        var (dir, file) = Safetensors(Header("{\"a\":{\"dtype\":\"BF16\",\"shape\":[4,4],\"data_offsets\":[0,16]}}"), dataBytes: 16);
        AssertOneLine(Assert.Throws<InvalidDataException>(() => SentenceEmbedder.Create(dir)), file, "tensor a", "needs 32 bytes");
    }

    [Theory]
    [InlineData("posix", "system")]
    [InlineData("os", "system")]
    [InlineData("builtins", "eval")]
    [InlineData("__builtin__", "eval")]
    public void A_pickle_naming_a_global_outside_the_whitelist_is_refused_and_nothing_runs(string module, string name)
    {
        var dir = ImportFolders.CopyFixture("bert-zh", "model.safetensors");
        var file = Path.Combine(dir, "pytorch_model.bin");
        var marker = Path.Combine(dir, "pwned");

        // The classic payload: GLOBAL module.name, ("touch marker",), REDUCE.
        var payload = new List<byte> { 0x80, 2 };
        payload.AddRange(Encoding.ASCII.GetBytes($"c{module}\n{name}\n"));
        var command = Encoding.UTF8.GetBytes($"open('{marker}', 'w') if False else __import__('os').system('touch {marker}')");
        payload.Add((byte)'X');
        payload.AddRange(BitConverter.GetBytes(command.Length));
        payload.AddRange(command);
        payload.AddRange([0x85, (byte)'R', (byte)'.']);
        HfWeights.WriteTorchBinWithPickle(file, [.. payload]);
        var ex = Assert.Throws<InvalidDataException>(() => SentenceEmbedder.Create(dir));
        AssertOneLine(ex, file, $"names {module}.{name}", "nothing was run");
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void A_legacy_or_non_zip_bin_is_refused()
    {
        var dir = ImportFolders.CopyFixture("bert-zh", "model.safetensors");
        var file = Path.Combine(dir, "pytorch_model.bin");
        File.WriteAllBytes(file, [0x80, 2, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, (byte)'.']);
        AssertOneLine(Assert.Throws<InvalidDataException>(() => SentenceEmbedder.Create(dir)), file, "legacy");
    }

    [Fact]
    public void A_config_without_hidden_size_is_refused()
    {
        var dir = ImportFolders.CopyFixture("bert-zh");
        var config = Path.Combine(dir, "config.json");
        var json = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(File.ReadAllText(config))!;
        json.Remove("hidden_size");
        File.WriteAllText(config, JsonSerializer.Serialize(json));
        AssertOneLine(Assert.Throws<InvalidDataException>(() => SentenceEmbedder.Create(dir)), config, "hidden_size is missing");
    }

    [Theory]
    [InlineData("{\"model_type\": \"qwen3\", \"hidden_size\": 32}", "model_type qwen3 is not supported", "bert, roberta, xlm-roberta")]
    [InlineData("{\"model_type\": \"nomic_bert\", \"hidden_size\": 32}", "model_type nomic_bert is not supported", "bert, roberta, xlm-roberta")]
    [InlineData("{\"model_type\": \"bert\", \"auto_map\": {\"AutoModel\": \"jinaai/jina-bert-implementation--modeling_bert.JinaBertModel\"}}", "custom code", "JinaBertModel")]
    [InlineData("{\"model_type\": \"bert\", \"hidden_size\": 32, \"num_attention_heads\": 4, \"num_hidden_layers\": 2, \"intermediate_size\": 64, \"hidden_act\": \"silu\"}", "hidden_act silu is not supported", "gelu")]
    [InlineData("{\"model_type\": \"bert\", \"position_embedding_type\": \"alibi\"}", "position_embedding_type alibi", "absolute")]
    public void Unsupported_architectures_are_refused_naming_what_runs(string config, string message, string supported)
    {
        var dir = ImportFolders.CopyFixture("bert-zh");
        var path = Path.Combine(dir, "config.json");
        File.WriteAllText(path, config);
        var ex = Assert.Throws<QianruException>(() => SentenceEmbedder.Create(dir));
        AssertOneLine(ex, path, message, supported);
    }

    [Fact]
    public void A_checkpoint_of_another_architecture_names_the_missing_tensor()
    {
        var dir = ImportFolders.CopyFixture("bert-zh");
        HfWeights.WriteSafetensors(Path.Combine(dir, "model.safetensors"), [new HfWeights.Tensor("model.layers.0.mlp.weight", [2, 2], [1, 2, 3, 4])]);
        AssertOneLine(Assert.Throws<InvalidDataException>(() => SentenceEmbedder.Create(dir)), "model.safetensors", "no embeddings.word_embeddings.weight", "model.layers.0.mlp.weight");
    }

    [Fact]
    public void A_folder_with_neither_onnx_nor_weights_says_what_a_folder_needs()
    {
        var dir = ImportFolders.CopyFixture("bert-zh", "model.safetensors");
        var ex = Assert.Throws<QianruException>(() => SentenceEmbedder.Create(dir));
        AssertOneLine(ex, dir, "no model.onnx", "model.safetensors or pytorch_model.bin");
    }

    private static byte[] Header(string json) => Encoding.UTF8.GetBytes(json);

    private static (string Dir, string File) Safetensors(byte[] header, int dataBytes = 0)
    {
        var dir = ImportFolders.CopyFixture("bert-zh", "model.safetensors");
        var file = Path.Combine(dir, "model.safetensors");
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        File.WriteAllBytes(file, bytes);
        return (dir, file);
    }

    private static void AssertOneLine(Exception ex, params string[] parts)
    {
        Assert.DoesNotContain('\n', ex.Message);
        foreach (var part in parts)
        {
            Assert.Contains(part, ex.Message, StringComparison.Ordinal);
        }
    }
}
