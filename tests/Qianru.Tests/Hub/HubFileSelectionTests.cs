using Qianru.Models.Hub;

namespace Qianru.Tests.Hub;

/// <summary>Which repository files a pull fetches: configuration, tokenizer, module folders and one weight format.</summary>
public sealed class HubFileSelectionTests
{
    private static IReadOnlyList<string> Select(string[] files, Dictionary<string, string>? contents = null)
    {
        var first = HubFileSelection.First(files);
        var rest = HubFileSelection.Rest("org/model", files, f => first.Contains(f) && contents?.GetValueOrDefault(f) is { } text ? text : null);
        return [.. first.Concat(rest).Order(StringComparer.Ordinal)];
    }

    private const string Modules = """[{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},{"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"},{"idx":2,"name":"2","path":"2_Dense","type":"sentence_transformers.models.Dense"},{"idx":3,"name":"3","path":"3_Normalize","type":"sentence_transformers.models.Normalize"}]""";

    [Fact]
    public void Safetensors_comes_first_and_module_folders_follow_modules_json()
    {
        string[] files =
        [
            ".gitattributes", "README.md", "config.json", "config_sentence_transformers.json", "modules.json", "sentence_bert_config.json",
            "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt", "sentence_xlnet_config.json",
            "model.safetensors", "pytorch_model.bin", "tf_model.h5", "flax_model.msgpack", "rust_model.ot", "onnx/model.onnx", "onnx/model_qint8_avx512.onnx",
            "openvino/openvino_model.xml", "openvino/openvino_model.bin",
            "1_Pooling/config.json", "2_Dense/config.json", "2_Dense/model.safetensors", "2_Dense/pytorch_model.bin", "2_Dense/tf_model.h5",
            "4_Unused/config.json",
        ];
        Assert.Equal(
            [
                "1_Pooling/config.json", "2_Dense/config.json", "2_Dense/model.safetensors", "config.json", "config_sentence_transformers.json",
                "model.safetensors", "modules.json", "sentence_bert_config.json", "sentence_xlnet_config.json", "special_tokens_map.json",
                "tokenizer.json", "tokenizer_config.json", "vocab.txt",
            ],
            Select(files, new() { ["modules.json"] = Modules }));
    }

    [Fact]
    public void Sharded_safetensors_come_from_the_index()
    {
        string[] files = ["config.json", "model.safetensors.index.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model-00003-of-00003.safetensors", "pytorch_model.bin"];
        var index = """{"metadata":{"total_size":10},"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors","c":"model-00001-of-00002.safetensors"}}""";
        Assert.Equal(
            ["config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json"],
            Select(files, new() { ["model.safetensors.index.json"] = index }));

        var bad = """{"weight_map":{"a":"../../etc/passwd"}}""";
        var ex = Assert.Throws<QianruException>(() => Select(files, new() { ["model.safetensors.index.json"] = bad }));
        Assert.Contains("not a file of the repository", ex.Message);
    }

    [Fact]
    public void Onnx_with_external_data_else_pytorch_shards()
    {
        Assert.Equal(
            ["config.json", "onnx/model.onnx", "onnx/model.onnx_data", "tokenizer.json"],
            Select(["config.json", "tokenizer.json", "onnx/model.onnx", "onnx/model.onnx_data", "onnx/model_fp16.onnx", "onnx/model_quantized.onnx", "pytorch_model.bin"]));

        var index = """{"weight_map":{"a":"pytorch_model-00001-of-00002.bin","b":"pytorch_model-00002-of-00002.bin"}}""";
        Assert.Equal(
            ["config.json", "pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin", "pytorch_model.bin.index.json", "sentencepiece.bpe.model"],
            Select(["config.json", "sentencepiece.bpe.model", "pytorch_model.bin.index.json", "pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin", "tf_model.h5"], new() { ["pytorch_model.bin.index.json"] = index }));
    }

    [Fact]
    public void A_repository_without_weights_says_what_it_has()
    {
        var ex = Assert.Throws<QianruException>(() => Select(["config.json", "model.gguf", "README.md"]));
        Assert.Contains("no model weights Qianru loads", ex.Message);
        Assert.Contains("model.gguf", ex.Message);
    }

    [Fact]
    public void A_snapshot_whose_weights_link_to_a_missing_blob_is_not_cached()
    {
        var cache = Path.Combine(Path.GetTempPath(), "qianru-tests", "hf-broken-" + Guid.NewGuid().ToString("N")[..8]);
        var snapshot = Path.Combine(cache, "models--org--model", "snapshots", new string('c', 40));
        Directory.CreateDirectory(snapshot);
        File.WriteAllText(Path.Combine(cache, "models--org--model", "config.json"), "{}");
        File.CreateSymbolicLink(Path.Combine(snapshot, "model.safetensors"), "../../blobs/" + new string('d', 64));
        Directory.CreateDirectory(Path.Combine(cache, "models--org--model", "refs"));
        File.WriteAllText(Path.Combine(cache, "models--org--model", "refs", "main"), new string('c', 40));
        var options = new HubOptions { CacheFolder = cache };
        Assert.Null(HuggingFaceHub.FindCached("org/model", options: options));
        Assert.Empty(HuggingFaceHub.ListCached(options));

        Directory.CreateDirectory(Path.Combine(cache, "models--org--model", "blobs"));
        File.WriteAllBytes(Path.Combine(cache, "models--org--model", "blobs", new string('d', 64)), new byte[10]);
        Assert.Equal(snapshot, HuggingFaceHub.FindCached("org/model", options: options));
        Assert.Equal(10, Assert.Single(HuggingFaceHub.ListCached(options)).SizeBytes);
        Directory.Delete(cache, recursive: true);
    }
}
