using System.Security.Cryptography;
using System.Text.Json;
using Qianru.Models;

namespace Qianru.Quantization;

/// <summary>Writes a quantized copy of a model (embedded or folder) as a complete model folder.</summary>
internal static class QuantizedModelFolder
{
    // Weight files the quantized folder must not carry: they are the float model in other formats.
    private static readonly string[] WeightExtensions = [".onnx", ".onnx_data", ".safetensors", ".bin", ".h5", ".msgpack", ".ot", ".pt", ".pth"];

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static QuantizationResult Write(string modelIdOrFolder, string output, QuantizationOptions options, CancellationToken cancellationToken = default)
    {
        if (File.Exists(output) || (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any()))
        {
            throw new QianruException($"{output}: already exists and is not empty; give a new or empty output folder.");
        }

        var resolved = ModelSpec.Parse(modelIdOrFolder).Resolve(cancellationToken: cancellationToken);
        var model = ModelLoader.Load(resolved);
        var embedded = resolved.Embedded;
        if (embedded is not null && EmbeddedModels.QuantizedSource(embedded) is not null)
        {
            throw new QianruException($"{modelIdOrFolder}: is already quantized; quantize its float32 model ({EmbeddedModels.QuantizedSource(embedded)!.Info.Id}) instead.");
        }

        var source = model.OnnxPath is { } path ? Models.Import.OnnxExternalData.ReadInlined(path) : model.OnnxBytes!();
        var bytes = ModelQuantizer.QuantizeOnnx(source, options, out var result, model.OnnxPath ?? model.Info.Source, CalibrationText.Sequences(model.Tokenizer, model.Info.MaxSequenceLength), cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();

        var parent = Path.GetDirectoryName(output) ?? ".";
        Directory.CreateDirectory(parent);
        var temp = Path.Combine(parent, $".{Path.GetFileName(output)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temp);
        try
        {
            string onnxRelative;
            if (embedded is not null)
            {
                WriteEmbeddedConfig(temp, embedded, model);
                onnxRelative = "model.onnx";
            }
            else
            {
                var folder = model.Info.Source;
                CopyConfig(folder, temp);
                onnxRelative = Path.GetRelativePath(folder, model.OnnxPath!);
                if (onnxRelative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(onnxRelative))
                {
                    onnxRelative = "model.onnx"; // a graph Qianru built from the folder's weights, kept in its cache
                }
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(temp, onnxRelative))!);
            File.WriteAllBytes(Path.Combine(temp, onnxRelative), bytes);
            WriteJson(temp, "quantization.json", new Dictionary<string, object?>
            {
                ["quantizer"] = $"Qianru.Quantization format {QuantizedModelCache.FormatVersion}",
                ["source"] = embedded is not null ? $"{embedded.Info.Id} ({embedded.HuggingFaceId}, {embedded.Package})" : model.Info.Source,
                ["source_onnx_sha256"] = Convert.ToHexStringLower(SHA256.HashData(source)),
                ["method"] = options.Method == QuantizationMethod.RowInt8 ? "row-int8" : "block",
                ["operator"] = options.Method == QuantizationMethod.RowInt8 ? "com.microsoft.MatMulIntegerToFloat" : "com.microsoft.MatMulNBits",
                ["bits"] = result.WeightBits,
                ["block_size"] = options.Method == QuantizationMethod.Block ? options.BlockSize : null,
                ["per_channel"] = options.Method == QuantizationMethod.Block ? options.PerChannel : true,
                ["accuracy_level"] = options.Method == QuantizationMethod.Block ? options.AccuracyLevel : null,
                ["smoothing"] = result.Smoothing,
                ["exclude"] = options.Exclude,
                ["quantized"] = result.Quantized,
                ["skipped"] = result.Skipped,
                ["fused_biases"] = result.FusedBiases,
            });
            if (Directory.Exists(output))
            {
                Directory.Delete(output);
            }

            Directory.Move(temp, output);
        }
        finally
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }

        return result;
    }

    private static void CopyConfig(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            if (WeightExtensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase)
                || relative.Split(Path.DirectorySeparatorChar).Any(p => p.StartsWith('.')))
            {
                continue;
            }

            var target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static void WriteEmbeddedConfig(string folder, EmbeddedModel embedded, ModelDefinition model)
    {
        var info = model.Info;
        File.WriteAllBytes(Path.Combine(folder, "vocab.txt"), EmbeddedModels.ReadVocabulary(embedded));
        WriteJson(folder, "config.json", new Dictionary<string, object?> { ["model_type"] = "bert", ["hidden_size"] = info.Dimensions });
        WriteJson(folder, "tokenizer_config.json", new Dictionary<string, object?>
        {
            ["tokenizer_class"] = "BertTokenizer",
            ["do_lower_case"] = true,
            ["tokenize_chinese_chars"] = true,
            ["strip_accents"] = null,
            ["model_max_length"] = info.MaxSequenceLength,
        });
        WriteJson(folder, "sentence_bert_config.json", new Dictionary<string, object?> { ["max_seq_length"] = info.MaxSequenceLength, ["do_lower_case"] = info.DoLowerCase });
        var modules = new List<Dictionary<string, object>>
        {
            new() { ["idx"] = 0, ["name"] = "0", ["path"] = "", ["type"] = "sentence_transformers.models.Transformer" },
            new() { ["idx"] = 1, ["name"] = "1", ["path"] = "1_Pooling", ["type"] = "sentence_transformers.models.Pooling" },
        };
        if (info.Normalize)
        {
            modules.Add(new() { ["idx"] = 2, ["name"] = "2", ["path"] = "2_Normalize", ["type"] = "sentence_transformers.models.Normalize" });
        }

        WriteJson(folder, "modules.json", modules);
        Directory.CreateDirectory(Path.Combine(folder, "1_Pooling"));
        WriteJson(Path.Combine(folder, "1_Pooling"), "config.json", new Dictionary<string, object?>
        {
            ["word_embedding_dimension"] = info.Dimensions,
            ["pooling_mode_cls_token"] = info.Pooling == PoolingMode.Cls,
            ["pooling_mode_mean_tokens"] = info.Pooling == PoolingMode.Mean,
            ["pooling_mode_max_tokens"] = info.Pooling == PoolingMode.Max,
            ["pooling_mode_mean_sqrt_len_tokens"] = info.Pooling == PoolingMode.MeanSqrtLength,
            ["pooling_mode_lasttoken"] = info.Pooling == PoolingMode.LastToken,
            ["include_prompt"] = info.IncludePrompt,
        });
        WriteJson(folder, "config_sentence_transformers.json", new Dictionary<string, object?>
        {
            ["prompts"] = info.Prompts,
            ["default_prompt_name"] = info.DefaultPromptName,
            ["similarity_fn_name"] = info.SimilarityFunction,
        });
    }

    private static void WriteJson(string folder, string name, object value) =>
        File.WriteAllText(Path.Combine(folder, name), JsonSerializer.Serialize(value, Json) + "\n");
}
