using System.Text.Json;

namespace Qianru.Models.Import;

/// <summary>The encoder architectures the importer builds.</summary>
internal enum EncoderArchitecture
{
    /// <summary>transformers' BertModel: absolute positions 0…n-1, token types.</summary>
    Bert,

    /// <summary>transformers' RobertaModel / XLMRobertaModel: positions count non-padding tokens from pad_token_id + 1.</summary>
    Roberta,
}

/// <summary>What the graph builder needs from a Hugging Face <c>config.json</c>, checked.</summary>
internal sealed record EncoderConfig
{
    public const string Supported = "bert, roberta, xlm-roberta";

    public required string ModelType { get; init; }

    public required EncoderArchitecture Architecture { get; init; }

    public required int HiddenSize { get; init; }

    public required int Heads { get; init; }

    public required int Layers { get; init; }

    public required int IntermediateSize { get; init; }

    public required double LayerNormEps { get; init; }

    /// <summary>gelu (exact erf), gelu_new / gelu_pytorch_tanh (tanh form) or relu.</summary>
    public required string HiddenAct { get; init; }

    public required int MaxPositions { get; init; }

    public required int TypeVocabSize { get; init; }

    public required int PadTokenId { get; init; }

    /// <summary>Reads and checks <c>config.json</c>; every problem is one line naming the file and field.</summary>
    public static EncoderConfig Read(string path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({ex.Message}).", ex);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{path}: not a JSON object.");
            }

            var modelType = root.TryGetProperty("model_type", out var mt) && mt.ValueKind == JsonValueKind.String ? mt.GetString()! : null;
            if (root.TryGetProperty("auto_map", out var autoMap) && autoMap.ValueKind == JsonValueKind.Object && autoMap.TryGetProperty("AutoModel", out var custom))
            {
                throw new QianruException($"{path}: the model runs custom code ({custom.GetString()}, auto_map in config.json); Qianru builds only the standard architectures ({Supported}) from weights.");
            }

            var architecture = modelType switch
            {
                "bert" => EncoderArchitecture.Bert,
                "roberta" or "xlm-roberta" or "camembert" => EncoderArchitecture.Roberta,
                null => throw new QianruException($"{path}: no model_type; Qianru builds {Supported} models from weights."),
                _ => throw new QianruException($"{path}: model_type {modelType} is not supported for weights without an ONNX export; supported: {Supported}. (Give the folder an onnx/model.onnx export to run other architectures.)"),
            };

            if (root.TryGetProperty("position_embedding_type", out var pet) && pet.ValueKind == JsonValueKind.String && pet.GetString() != "absolute")
            {
                throw new QianruException($"{path}: position_embedding_type {pet.GetString()} is not supported; Qianru builds encoders with absolute position embeddings.");
            }

            if (root.TryGetProperty("is_decoder", out var dec) && dec.ValueKind == JsonValueKind.True)
            {
                throw new QianruException($"{path}: is_decoder is true; Qianru builds bidirectional encoders only.");
            }

            int Required(string name)
            {
                if (!root.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var i) || i <= 0)
                {
                    throw new InvalidDataException($"{path}: {name} is missing or not a positive integer; config.json of a {modelType} model must give it.");
                }

                return i;
            }

            int Optional(string name, int fallback, int min) =>
                !root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? fallback
                : v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) && i >= min ? i
                : throw new InvalidDataException($"{path}: {name} {v.GetRawText()} is not an integer >= {min}.");

            var hidden = Required("hidden_size");
            var heads = Required("num_attention_heads");
            if (hidden % heads != 0)
            {
                throw new InvalidDataException($"{path}: hidden_size {hidden} is not a multiple of num_attention_heads {heads}.");
            }

            var act = root.TryGetProperty("hidden_act", out var ha) && ha.ValueKind == JsonValueKind.String ? ha.GetString()! : "gelu";
            if (act is not ("gelu" or "gelu_new" or "gelu_pytorch_tanh" or "relu"))
            {
                throw new QianruException($"{path}: hidden_act {act} is not supported; supported: gelu (exact erf), gelu_new and gelu_pytorch_tanh (tanh form), relu.");
            }

            var eps = 1e-12;
            if (root.TryGetProperty("layer_norm_eps", out var e) && e.ValueKind != JsonValueKind.Null)
            {
                if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out eps) || eps <= 0 || eps >= 1)
                {
                    throw new InvalidDataException($"{path}: layer_norm_eps {e.GetRawText()} is not a small positive number.");
                }
            }

            var pad = Optional("pad_token_id", architecture == EncoderArchitecture.Roberta ? 1 : 0, 0);
            var positions = Optional("max_position_embeddings", 512, 1);
            return new EncoderConfig
            {
                ModelType = modelType,
                Architecture = architecture,
                HiddenSize = hidden,
                Heads = heads,
                Layers = Required("num_hidden_layers"),
                IntermediateSize = Required("intermediate_size"),
                LayerNormEps = eps,
                HiddenAct = act,
                MaxPositions = positions,
                TypeVocabSize = Optional("type_vocab_size", 2, 0),
                PadTokenId = pad,
            };
        }
    }
}
