using System.Text.Json;
using Qianru.Tokenization;

namespace Qianru.Models;

/// <summary>Resolves an embedded model id or loads a sentence-transformers / Hugging Face model folder with an ONNX export.</summary>
internal static class ModelLoader
{
    /// <summary>Resolves <paramref name="spec"/> (<see cref="ModelSpec.Parse"/>, relative to the current directory) and loads it.</summary>
    public static ModelDefinition Load(string? spec) => Load(ModelSpec.Parse(spec).Resolve());

    /// <summary>Loads a resolved model: an embedded model, or a model folder (a Hub model's snapshot folder too).</summary>
    public static ModelDefinition Load(ResolvedModel model)
    {
        switch (model.Kind)
        {
            case ModelSpecKind.Embedded:
                var embedded = model.Embedded!;
                return EmbeddedModels.QuantizedSource(embedded) is { } source
                    ? Quantization.QuantizedModelCache.Load(embedded, source)
                    : LoadEmbedded(embedded);
            case ModelSpecKind.WordVectors:
                throw new QianruException($"{model.Spec.Text}: sentence vectors from word vectors are not a Transformer model; open them with WordVectorSentenceEmbedder.Create.");
            default:
                var definition = LoadFolder(model.Folder!);
                var id = model.Id;
                return id == definition.Info.Id && model.Commit is null
                    ? definition
                    : definition with
                    {
                        Info = definition.Info with
                        {
                            Id = id,
                            Description = model.Commit is { } commit
                                ? $"{id} (Hugging Face, commit {commit[..10]}) in {model.Folder}"
                                : $"{id}: {definition.Info.Description}",
                        },
                    };
        }
    }

    public static ModelDefinition LoadEmbedded(EmbeddedModel model)
    {
        var assembly = EmbeddedModels.LocateAssembly(model);
        using var vocab = new MemoryStream(EmbeddedModels.ReadVocabulary(model));
        var tokenizer = BertTokenizer.FromVocabulary(vocab, new BertTokenizerOptions { Lowercase = true }, $"{model.AssemblyFile}:vocab.txt");
        var stamp = File.GetLastWriteTimeUtc(assembly).Ticks ^ new FileInfo(assembly).Length;
        return new ModelDefinition
        {
            Info = model.Info,
            Tokenizer = tokenizer,
            OnnxBytes = () => EmbeddedModels.ReadOnnx(model),
            CacheKey = $"{model.Info.Id}-{stamp:x}",
        };
    }

    public static ModelDefinition LoadFolder(string folder)
    {
        var onnx = new[] { "model.onnx", Path.Combine("onnx", "model.onnx") }.Select(p => Path.Combine(folder, p)).FirstOrDefault(File.Exists);
        if (onnx is null)
        {
            var hasWeights = new[] { "pytorch_model.bin", "model.safetensors" }.Any(f => File.Exists(Path.Combine(folder, f)));
            throw new QianruException(hasWeights
                ? $"{folder}: has PyTorch weights but no ONNX export; Qianru runs model.onnx or onnx/model.onnx (export with: optimum-cli export onnx --model <folder> --task feature-extraction <folder>/onnx)."
                : $"{folder}: no model.onnx or onnx/model.onnx; a model folder needs an ONNX export plus its tokenizer files (tokenizer.json, or vocab.txt).");
        }

        using var config = ReadJson(folder, "config.json");
        using var sbert = ReadJson(folder, "sentence_bert_config.json");
        using var stConfig = ReadJson(folder, "config_sentence_transformers.json");
        using var tokConfig = ReadJson(folder, "tokenizer_config.json");
        using var modules = ReadJson(folder, "modules.json");

        var tokenizer = LoadTokenizer(folder, tokConfig);
        var (pooling, includePrompt, normalize, poolingDims) = ReadModules(folder, modules);

        var hidden = Int(config, "hidden_size");
        var maxPositions = Int(config, "max_position_embeddings");
        var modelMax = Int(tokConfig, "model_max_length");
        var maxSeq = Int(sbert, "max_seq_length")
            ?? Math.Min(maxPositions ?? 512, modelMax is > 0 and < 1_000_000 ? modelMax.Value : int.MaxValue);

        var prompts = new Dictionary<string, string>();
        string? defaultPrompt = null;
        var similarity = "cosine";
        if (stConfig is not null)
        {
            var root = stConfig.RootElement;
            if (root.TryGetProperty("prompts", out var p) && p.ValueKind == JsonValueKind.Object)
            {
                foreach (var prop in p.EnumerateObject())
                {
                    if (prop.Value.ValueKind == JsonValueKind.String && prop.Value.GetString() is { Length: > 0 } text)
                    {
                        prompts[prop.Name] = text;
                    }
                }
            }

            if (root.TryGetProperty("default_prompt_name", out var d) && d.ValueKind == JsonValueKind.String)
            {
                defaultPrompt = d.GetString();
            }

            if (root.TryGetProperty("similarity_fn_name", out var s) && s.ValueKind == JsonValueKind.String)
            {
                similarity = s.GetString()!;
            }
        }

        var stamp = new FileInfo(onnx);
        return new ModelDefinition
        {
            Info = new ModelInfo
            {
                Id = Path.GetFileName(folder.TrimEnd(Path.DirectorySeparatorChar)),
                Source = folder,
                Dimensions = poolingDims ?? hidden ?? 0,
                MaxSequenceLength = maxSeq,
                Pooling = pooling,
                IncludePrompt = includePrompt,
                Normalize = normalize,
                DoLowerCase = Bool(sbert, "do_lower_case") ?? false,
                Prompts = prompts,
                DefaultPromptName = defaultPrompt,
                SimilarityFunction = similarity,
                Description = $"model folder {folder}",
            },
            Tokenizer = tokenizer,
            OnnxPath = onnx,
            CacheKey = $"{Path.GetFileName(folder)}-{stamp.Length:x}-{stamp.LastWriteTimeUtc.Ticks:x}-{onnx.GetHashCode(StringComparison.Ordinal):x}",
        };
    }

    private static BertTokenizer LoadTokenizer(string folder, JsonDocument? tokConfig)
    {
        var cfg = tokConfig?.RootElement;
        bool? lower = cfg is { } c1 ? Bool(c1, "do_lower_case") : null;
        bool? strip = cfg is { } c2 ? Bool(c2, "strip_accents") : null;
        bool? chinese = cfg is { } c3 ? Bool(c3, "tokenize_chinese_chars") : null;
        var tokenizerClass = cfg is { } c4 && c4.TryGetProperty("tokenizer_class", out var tc) ? tc.GetString() : null;
        if (tokenizerClass is not null && !tokenizerClass.Contains("Bert", StringComparison.Ordinal) && !tokenizerClass.Contains("Electra", StringComparison.Ordinal)
            && !tokenizerClass.Contains("MPNet", StringComparison.Ordinal) && !tokenizerClass.Contains("DistilBert", StringComparison.Ordinal))
        {
            throw new NotSupportedException($"{Path.Combine(folder, "tokenizer_config.json")}: tokenizer_class {tokenizerClass} is not supported; only BERT-style WordPiece tokenizers (BertTokenizer, BertTokenizerFast).");
        }

        // transformers' BertTokenizerFast rebuilds the normalizer from tokenizer_config.json
        // (do_lower_case defaults to true, strip_accents to None, tokenize_chinese_chars to true).
        BertTokenizerOptions Override(BertTokenizerOptions o) => new()
        {
            UnknownToken = Special(cfg, "unk_token") ?? o.UnknownToken,
            ClassificationToken = Special(cfg, "cls_token") ?? o.ClassificationToken,
            SeparatorToken = Special(cfg, "sep_token") ?? o.SeparatorToken,
            PaddingToken = Special(cfg, "pad_token") ?? o.PaddingToken,
            ContinuingSubwordPrefix = o.ContinuingSubwordPrefix,
            MaxInputCharsPerWord = o.MaxInputCharsPerWord,
            CleanText = o.CleanText,
            Lowercase = lower ?? true,
            StripAccents = strip,
            HandleChineseChars = chinese ?? true,
        };

        var json = Path.Combine(folder, "tokenizer.json");
        if (File.Exists(json))
        {
            return BertTokenizer.FromTokenizerJson(json, Override);
        }

        var vocab = Path.Combine(folder, "vocab.txt");
        if (File.Exists(vocab))
        {
            return BertTokenizer.FromVocabularyFile(vocab, Override(new BertTokenizerOptions()));
        }

        throw new QianruException($"{folder}: no tokenizer.json or vocab.txt; Qianru reads BERT WordPiece tokenizers from one of them.");
    }

    private static (PoolingMode Pooling, bool IncludePrompt, bool Normalize, int? Dimensions) ReadModules(string folder, JsonDocument? modules)
    {
        if (modules is null)
        {
            // A plain Hugging Face model: sentence-transformers adds mean pooling and no normalization.
            return (PoolingMode.Mean, true, false, null);
        }

        var file = Path.Combine(folder, "modules.json");
        if (modules.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"{file}: expected a JSON array of modules.");
        }

        PoolingMode? pooling = null;
        var includePrompt = true;
        var normalize = false;
        int? dims = null;
        foreach (var module in modules.RootElement.EnumerateArray())
        {
            var type = module.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
            var path = module.TryGetProperty("path", out var p) ? p.GetString() ?? "" : "";
            var shortType = type[(type.LastIndexOf('.') + 1)..];
            switch (shortType)
            {
                case "Transformer":
                    break;
                case "Normalize":
                    normalize = true;
                    break;
                case "Pooling":
                    using (var cfg = ReadJson(Path.Combine(folder, path), "config.json")
                        ?? throw new InvalidDataException($"{Path.Combine(folder, path, "config.json")}: missing; modules.json names a Pooling module there."))
                    {
                        (pooling, includePrompt, dims) = ReadPooling(Path.Combine(folder, path, "config.json"), cfg.RootElement);
                    }

                    break;
                default:
                    throw new NotSupportedException($"{file}: module {type} is not supported; Qianru runs Transformer, Pooling and Normalize modules.");
            }
        }

        return (pooling ?? PoolingMode.Mean, includePrompt, normalize, dims);
    }

    private static (PoolingMode, bool, int?) ReadPooling(string file, JsonElement cfg)
    {
        if (cfg.TryGetProperty("pooling_mode", out var pm) && pm.ValueKind == JsonValueKind.String)
        {
            var mode = pm.GetString() switch
            {
                "mean" => PoolingMode.Mean,
                "cls" => PoolingMode.Cls,
                "max" => PoolingMode.Max,
                "lasttoken" => PoolingMode.LastToken,
                "mean_sqrt_len_tokens" => PoolingMode.MeanSqrtLength,
                var other => throw new NotSupportedException($"{file}: pooling_mode {other} is not supported; use mean, cls, max, lasttoken or mean_sqrt_len_tokens."),
            };
            return (mode, Bool(cfg, "include_prompt") ?? true, Int(cfg, "word_embedding_dimension"));
        }

        var flags = new (string Key, PoolingMode? Mode)[]
        {
            ("pooling_mode_cls_token", PoolingMode.Cls),
            ("pooling_mode_mean_tokens", PoolingMode.Mean),
            ("pooling_mode_max_tokens", PoolingMode.Max),
            ("pooling_mode_mean_sqrt_len_tokens", PoolingMode.MeanSqrtLength),
            ("pooling_mode_lasttoken", PoolingMode.LastToken),
            ("pooling_mode_weightedmean_tokens", null),
        };
        var on = flags.Where(f => Bool(cfg, f.Key) == true).ToList();
        if (on.Count != 1 || on[0].Mode is null)
        {
            throw new NotSupportedException($"{file}: pooling {(on.Count == 0 ? "none" : string.Join(" + ", on.Select(f => f.Key)))} is not supported; exactly one of cls, mean, max, mean_sqrt_len_tokens or lasttoken must be true.");
        }

        return (on[0].Mode!.Value, Bool(cfg, "include_prompt") ?? true, Int(cfg, "word_embedding_dimension"));
    }

    private static JsonDocument? ReadJson(string folder, string name)
    {
        var path = Path.Combine(folder, name);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({ex.Message}).", ex);
        }
    }

    private static int? Int(JsonDocument? doc, string name) => doc is null ? null : Int(doc.RootElement, name);

    private static int? Int(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var l)
            ? (int)Math.Clamp(l, int.MinValue, int.MaxValue)
            : null;

    private static bool? Bool(JsonDocument? doc, string name) => doc is null ? null : Bool(doc.RootElement, name);

    private static bool? Bool(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? v.GetBoolean()
            : null;

    private static string? Special(JsonElement? cfg, string name)
    {
        if (cfg is not { ValueKind: JsonValueKind.Object } c || !c.TryGetProperty(name, out var v))
        {
            return null;
        }

        return v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Object when v.TryGetProperty("content", out var content) => content.GetString(),
            _ => null,
        };
    }
}
