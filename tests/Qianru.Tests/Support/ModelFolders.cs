using System.Text;
using System.Text.Json;
using Qianru.Models;

namespace Qianru.Tests.Support;

/// <summary>
/// Builds sentence-transformers model folders from the embedded MiniLM weights with other configurations, the way
/// users download them (model.onnx or onnx/model.onnx, tokenizer files, modules.json, pooling config).
/// </summary>
public static class ModelFolders
{
    private static readonly Lazy<string> SharedOnnx = new(() =>
    {
        var dir = Path.Combine(Path.GetTempPath(), "qianru-tests", "weights-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "minilm.onnx");
        File.WriteAllBytes(path, EmbeddedModels.ReadOnnx(EmbeddedModels.MiniLM));
        return path;
    });

    private static readonly Lazy<string[]> SharedVocab = new(() =>
    {
        using var reader = new StreamReader(new MemoryStream(EmbeddedModels.ReadVocabulary(EmbeddedModels.MiniLM)));
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        return [.. lines];
    });

    public static string[] Vocabulary => SharedVocab.Value;

    public sealed class Spec
    {
        public string Pooling { get; init; } = "mean";
        public bool Normalize { get; init; } = true;
        public int? MaxSeqLength { get; init; } = 256;
        public bool IncludePrompt { get; init; } = true;
        public bool OnnxInSubfolder { get; init; }
        public bool TokenizerJson { get; init; }
        public bool VocabTxt { get; init; } = true;
        public bool Modules { get; init; } = true;
        public Dictionary<string, string>? Prompts { get; init; }
        public string? DefaultPromptName { get; init; }
        public bool? DoLowerCase { get; init; } = true;
        public string? ExtraModuleType { get; init; }
    }

    public static string Create(Spec spec, string? name = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), "qianru-tests", name ?? "model-" + Guid.NewGuid().ToString("N")[..8]);
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }

        Directory.CreateDirectory(dir);
        var onnx = spec.OnnxInSubfolder ? Path.Combine(dir, "onnx", "model.onnx") : Path.Combine(dir, "model.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(onnx)!);
        File.CreateSymbolicLink(onnx, SharedOnnx.Value);

        Json(dir, "config.json", new { model_type = "bert", hidden_size = 384, max_position_embeddings = 512 });
        var tokConfig = new Dictionary<string, object?> { ["tokenizer_class"] = "BertTokenizer", ["model_max_length"] = 512 };
        if (spec.DoLowerCase is { } lower)
        {
            tokConfig["do_lower_case"] = lower;
        }

        Json(dir, "tokenizer_config.json", tokConfig);
        if (spec.VocabTxt)
        {
            File.WriteAllText(Path.Combine(dir, "vocab.txt"), string.Join("\n", Vocabulary) + "\n");
        }

        if (spec.TokenizerJson)
        {
            WriteTokenizerJson(Path.Combine(dir, "tokenizer.json"), lowercase: spec.DoLowerCase ?? true);
        }

        if (spec.MaxSeqLength is { } max)
        {
            Json(dir, "sentence_bert_config.json", new { max_seq_length = max, do_lower_case = false });
        }

        if (spec.Modules)
        {
            var modules = new List<object>
            {
                new { idx = 0, name = "0", path = "", type = "sentence_transformers.models.Transformer" },
                new { idx = 1, name = "1", path = "1_Pooling", type = "sentence_transformers.models.Pooling" },
            };
            if (spec.Normalize)
            {
                modules.Add(new { idx = 2, name = "2", path = "2_Normalize", type = "sentence_transformers.models.Normalize" });
            }

            if (spec.ExtraModuleType is { } extra)
            {
                modules.Add(new { idx = 3, name = "3", path = "3_Extra", type = extra });
            }

            Json(dir, "modules.json", modules);
            Directory.CreateDirectory(Path.Combine(dir, "1_Pooling"));
            Json(Path.Combine(dir, "1_Pooling"), "config.json", new Dictionary<string, object>
            {
                ["word_embedding_dimension"] = 384,
                ["pooling_mode_cls_token"] = spec.Pooling == "cls",
                ["pooling_mode_mean_tokens"] = spec.Pooling == "mean",
                ["pooling_mode_max_tokens"] = spec.Pooling == "max",
                ["pooling_mode_mean_sqrt_len_tokens"] = spec.Pooling == "mean_sqrt_len_tokens",
                ["pooling_mode_weightedmean_tokens"] = spec.Pooling == "weightedmean",
                ["pooling_mode_lasttoken"] = spec.Pooling == "lasttoken",
                ["include_prompt"] = spec.IncludePrompt,
            });
        }

        if (spec.Prompts is not null || spec.DefaultPromptName is not null)
        {
            Json(dir, "config_sentence_transformers.json", new Dictionary<string, object?>
            {
                ["prompts"] = spec.Prompts ?? [],
                ["default_prompt_name"] = spec.DefaultPromptName,
                ["similarity_fn_name"] = "cosine",
            });
        }

        return dir;
    }

    /// <summary>Writes a Hugging Face tokenizer.json (BertNormalizer, BertPreTokenizer, WordPiece, [CLS]/[SEP] template) for the MiniLM vocabulary.</summary>
    public static void WriteTokenizerJson(string path, bool lowercase = true, bool? stripAccents = null, bool handleChineseChars = true)
    {
        var vocab = new Dictionary<string, int>();
        for (var i = 0; i < Vocabulary.Length; i++)
        {
            vocab[Vocabulary[i]] = i;
        }

        var doc = new Dictionary<string, object?>
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]" }.Select(t => new Dictionary<string, object>
            {
                ["id"] = vocab[t], ["content"] = t, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["special"] = true,
            }),
            ["normalizer"] = new Dictionary<string, object?>
            {
                ["type"] = "BertNormalizer", ["clean_text"] = true, ["handle_chinese_chars"] = handleChineseChars, ["strip_accents"] = stripAccents, ["lowercase"] = lowercase,
            },
            ["pre_tokenizer"] = new Dictionary<string, object> { ["type"] = "BertPreTokenizer" },
            ["post_processor"] = new Dictionary<string, object>
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new object[]
                {
                    new Dictionary<string, object> { ["SpecialToken"] = new Dictionary<string, object> { ["id"] = "[CLS]", ["type_id"] = 0 } },
                    new Dictionary<string, object> { ["Sequence"] = new Dictionary<string, object> { ["id"] = "A", ["type_id"] = 0 } },
                    new Dictionary<string, object> { ["SpecialToken"] = new Dictionary<string, object> { ["id"] = "[SEP]", ["type_id"] = 0 } },
                },
                ["pair"] = new object[]
                {
                    new Dictionary<string, object> { ["SpecialToken"] = new Dictionary<string, object> { ["id"] = "[CLS]", ["type_id"] = 0 } },
                    new Dictionary<string, object> { ["Sequence"] = new Dictionary<string, object> { ["id"] = "A", ["type_id"] = 0 } },
                    new Dictionary<string, object> { ["SpecialToken"] = new Dictionary<string, object> { ["id"] = "[SEP]", ["type_id"] = 0 } },
                    new Dictionary<string, object> { ["Sequence"] = new Dictionary<string, object> { ["id"] = "B", ["type_id"] = 1 } },
                    new Dictionary<string, object> { ["SpecialToken"] = new Dictionary<string, object> { ["id"] = "[SEP]", ["type_id"] = 1 } },
                },
                ["special_tokens"] = new Dictionary<string, object>
                {
                    ["[CLS]"] = new Dictionary<string, object> { ["id"] = "[CLS]", ["ids"] = new[] { vocab["[CLS]"] }, ["tokens"] = new[] { "[CLS]" } },
                    ["[SEP]"] = new Dictionary<string, object> { ["id"] = "[SEP]", ["ids"] = new[] { vocab["[SEP]"] }, ["tokens"] = new[] { "[SEP]" } },
                },
            },
            ["decoder"] = new Dictionary<string, object> { ["type"] = "WordPiece", ["prefix"] = "##", ["cleanup"] = true },
            ["model"] = new Dictionary<string, object>
            {
                ["type"] = "WordPiece", ["unk_token"] = "[UNK]", ["continuing_subword_prefix"] = "##", ["max_input_chars_per_word"] = 100, ["vocab"] = vocab,
            },
        };
        File.WriteAllText(path, JsonSerializer.Serialize(doc), new UTF8Encoding(false));
    }

    private static void Json(string dir, string name, object value) =>
        File.WriteAllText(Path.Combine(dir, name), JsonSerializer.Serialize(value));
}
