using System.Text.Json;

namespace Qianru.Models.Hub;

/// <summary>
/// Which files of a Hub repository a sentence-embedding model needs: its configuration and tokenizer files, the
/// sentence-transformers module folders that <c>modules.json</c> names, and one weight format — never the
/// TensorFlow, Flax, Rust, OpenVINO or Core ML copies, nor the other ONNX variants.
/// </summary>
internal static class HubFileSelection
{
    /// <summary>Top-level configuration and tokenizer files, taken when the repository has them.</summary>
    private static readonly string[] TopLevel =
    [
        "config.json", "sentence_bert_config.json", "config_sentence_transformers.json", "modules.json",
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
        "vocab.txt", "vocab.json", "merges.txt", "sentencepiece.bpe.model", "spiece.model", "tokenizer.model",
    ];

    private static readonly string[] SkippedExtensions = [".h5", ".msgpack", ".ot", ".mlmodel", ".mlpackage", ".tflite", ".gguf", ".xml", ".pt", ".pth"];

    /// <summary>
    /// The files to fetch first: configuration, tokenizer and the index of sharded weights, which say what else is needed.
    /// </summary>
    public static IReadOnlyList<string> First(IReadOnlyCollection<string> files)
    {
        var selected = TopLevel.Where(files.Contains).ToList();
        selected.AddRange(files.Where(f => !f.Contains('/') && f.StartsWith("sentence_", StringComparison.Ordinal) && f.EndsWith("_config.json", StringComparison.Ordinal) && !selected.Contains(f)).Order(StringComparer.Ordinal));
        if (WeightIndex(files) is { } index)
        {
            selected.Add(index);
        }

        return selected;
    }

    /// <summary>
    /// The rest, once <see cref="First"/>'s files can be read through <paramref name="read"/> (null when absent): the
    /// weights (<c>model.safetensors</c> or its shards, else <c>onnx/model.onnx</c> with its external data, else
    /// <c>pytorch_model.bin</c> or its shards; a shard index itself is among <see cref="First"/>'s files) and the files
    /// of every module folder in <c>modules.json</c>.
    /// </summary>
    /// <exception cref="QianruException">No weight format Qianru loads, or an unreadable index or modules.json.</exception>
    public static IReadOnlyList<string> Rest(string repo, IReadOnlyCollection<string> files, Func<string, string?> read)
    {
        var selected = new List<string>();
        var index = WeightIndex(files);
        if (files.Contains("model.safetensors"))
        {
            selected.Add("model.safetensors");
        }
        else if (index == "model.safetensors.index.json" || index == "pytorch_model.bin.index.json")
        {
            selected.AddRange(Shards(repo, index, read(index), files));
        }
        else if (new[] { "model.onnx", "onnx/model.onnx" }.FirstOrDefault(files.Contains) is { } onnx)
        {
            selected.Add(onnx);
            selected.AddRange(new[] { onnx + "_data", onnx + ".data" }.Where(files.Contains));
        }
        else if (files.Contains("pytorch_model.bin"))
        {
            selected.Add("pytorch_model.bin");
        }
        else
        {
            throw new QianruException(
                $"{repo}: no model weights Qianru loads (model.safetensors, onnx/model.onnx or pytorch_model.bin, or a sharded index of them); "
                + $"the repository has {string.Join(", ", files.Where(f => !f.Contains('/')).Order(StringComparer.Ordinal).Take(12))}{(files.Count > 12 ? ", …" : "")}.");
        }

        foreach (var folder in ModuleFolders(repo, read("modules.json")))
        {
            var inFolder = files.Where(f => f.StartsWith(folder + "/", StringComparison.Ordinal) && !IsSkipped(f)).ToList();
            // One weight format per module too (a Dense module ships both).
            if (inFolder.Contains(folder + "/model.safetensors"))
            {
                inFolder.Remove(folder + "/pytorch_model.bin");
            }

            selected.AddRange(inFolder.Where(f => !selected.Contains(f)).Order(StringComparer.Ordinal));
        }

        return selected;
    }

    private static string? WeightIndex(IReadOnlyCollection<string> files) =>
        files.Contains("model.safetensors") ? null
        : files.Contains("model.safetensors.index.json") ? "model.safetensors.index.json"
        : files.Contains("model.onnx") || files.Contains("onnx/model.onnx") || files.Contains("pytorch_model.bin") ? null
        : files.Contains("pytorch_model.bin.index.json") ? "pytorch_model.bin.index.json"
        : null;

    private static bool IsSkipped(string file)
    {
        var first = file.Split('/')[0];
        var name = Path.GetFileName(file);
        return first is "onnx" or "openvino" or "coreml" or "tf" or "flax"
            || name.StartsWith("tf_model", StringComparison.Ordinal) || name.StartsWith("flax_model", StringComparison.Ordinal)
            || name.StartsWith("rust_model", StringComparison.Ordinal)
            || SkippedExtensions.Contains(Path.GetExtension(name), StringComparer.OrdinalIgnoreCase);
    }

    private static IEnumerable<string> Shards(string repo, string index, string? text, IReadOnlyCollection<string> files)
    {
        var shards = new SortedSet<string>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(text ?? throw new QianruException($"{repo}: {index} could not be read."));
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            {
                throw new QianruException($"{repo}: {index} has no weight_map object.");
            }

            foreach (var entry in map.EnumerateObject())
            {
                if (entry.Value.GetString() is not { Length: > 0 } shard || shard.Contains('/') || shard.Contains('\\') || !files.Contains(shard))
                {
                    throw new QianruException($"{repo}: {index} names shard '{entry.Value}' for {entry.Name}, which is not a file of the repository.");
                }

                shards.Add(shard);
            }
        }
        catch (JsonException ex)
        {
            throw new QianruException($"{repo}: {index} is not valid JSON ({ex.Message}).", ex);
        }

        return shards;
    }

    private static IEnumerable<string> ModuleFolders(string repo, string? modulesJson)
    {
        if (modulesJson is null)
        {
            return [];
        }

        try
        {
            using var doc = JsonDocument.Parse(modulesJson);
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new QianruException($"{repo}: modules.json is not a JSON array of modules.");
            }

            return [.. doc.RootElement.EnumerateArray()
                .Select(m => m.ValueKind == JsonValueKind.Object && m.TryGetProperty("path", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()!.Trim('/') : "")
                .Where(p => p.Length > 0 && !p.Contains("..", StringComparison.Ordinal))
                .Distinct(StringComparer.Ordinal)];
        }
        catch (JsonException ex)
        {
            throw new QianruException($"{repo}: modules.json is not valid JSON ({ex.Message}).", ex);
        }
    }
}
