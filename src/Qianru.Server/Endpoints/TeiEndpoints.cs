using System.Numerics.Tensors;
using System.Text.Json;
using Qianru.Server.Http;

namespace Qianru.Server.Endpoints;

/// <summary>
/// text-embeddings-inference's <c>POST /embed</c>, <c>/similarity</c>, <c>/tokenize</c> and <c>GET /info</c>, on the first model
/// (or the one a <c>model</c> field names).
/// </summary>
/// <remarks>See <see href="https://huggingface.github.io/text-embeddings-inference/"/>.</remarks>
internal sealed class TeiEndpoints(EmbeddingService service)
{
    public async Task EmbedAsync(HttpContext context)
    {
        using var document = await JsonFields.ReadBodyAsync(context);
        var body = document.RootElement;
        var queue = service.Find(JsonFields.String(body, "model"));
        var inputs = ParsedInputs.Parse(JsonFields.Required(body, "inputs"), "inputs", service.Options.MaxClientBatchSize);
        var normalize = JsonFields.Bool(body, "normalize") ?? true;
        var dimensions = EmbeddingService.CheckDimensions(queue, JsonFields.Int(body, "dimensions"));
        var (truncate, left, promptName) = Common(body, inputs.TokenIds is not null);
        var sequences = service.Tokenize(queue, inputs, "inputs", truncate, left, promptName);
        var raw = await service.EmbedAsync(queue, sequences, promptName, inputs.TokenIds is not null);
        await JsonResponse.WriteAsync(context, json =>
        {
            json.WriteStartArray();
            foreach (var vector in raw)
            {
                JsonResponse.WriteVector(json, EmbeddingService.Finish(vector, dimensions, normalize));
            }

            json.WriteEndArray();
        });
    }

    public async Task SimilarityAsync(HttpContext context)
    {
        using var document = await JsonFields.ReadBodyAsync(context);
        var body = document.RootElement;
        var queue = service.Find(JsonFields.String(body, "model"));
        var inputs = JsonFields.Required(body, "inputs");
        if (inputs.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.BadRequest($"'inputs' must be an object with 'source_sentence' and 'sentences', not {JsonFields.Kind(inputs)}.", "inputs");
        }

        var source = JsonFields.String(inputs, "source_sentence") ?? throw ApiException.BadRequest("'inputs.source_sentence' is required.", "inputs.source_sentence");
        var sentences = ParsedInputs.Parse(JsonFields.Required(inputs, "sentences"), "inputs.sentences", service.Options.MaxClientBatchSize - 1, allowTokenIds: false);
        if (source.Length == 0)
        {
            throw ApiException.BadRequest("'inputs.source_sentence' is an empty string; give some text.", "inputs.source_sentence");
        }

        var (truncate, left, promptName) = Common(body, rawIds: false);
        var all = ParsedInputs.FromTexts([source, .. sentences.Texts!]);
        var sequences = service.Tokenize(queue, all, "inputs", truncate, left, promptName);
        var raw = await service.EmbedAsync(queue, sequences, promptName, rawIds: false);
        await JsonResponse.WriteAsync(context, json =>
        {
            json.WriteStartArray();
            for (var i = 1; i < raw.Length; i++)
            {
                json.WriteNumberValue(TensorPrimitives.CosineSimilarity(raw[0], raw[i]));
            }

            json.WriteEndArray();
        });
    }

    public async Task TokenizeAsync(HttpContext context)
    {
        using var document = await JsonFields.ReadBodyAsync(context);
        var body = document.RootElement;
        var queue = service.Find(JsonFields.String(body, "model"));
        var inputs = ParsedInputs.Parse(JsonFields.Required(body, "inputs"), "inputs", service.Options.MaxClientBatchSize, allowTokenIds: false);
        var special = JsonFields.Bool(body, "add_special_tokens") ?? true;
        var promptName = JsonFields.String(body, "prompt_name");
        var embedder = queue.Embedder;
        var options = promptName is null ? null : new EmbedOptions { PromptName = promptName };
        var tokenized = new List<(Qianru.Tokenization.TokenizedText Tokens, string Input, (int Start, int End)[]? Offsets)>(inputs.Count);
        foreach (var text in inputs.Texts!)
        {
            try
            {
                tokenized.Add(embedder.TokenizeWithOffsets(text, options));
            }
            catch (QianruException e)
            {
                throw ApiException.BadRequest($"'prompt_name': {e.Message}", "prompt_name");
            }
        }

        await JsonResponse.WriteAsync(context, json =>
        {
            json.WriteStartArray();
            foreach (var (tokens, input, offsets) in tokenized)
            {
                var ids = tokens.Ids;
                json.WriteStartArray();
                for (var i = special ? 0 : 1; i < (special ? ids.Length : ids.Length - 1); i++)
                {
                    // As TEI: special tokens carry their token text and no span; other tokens the text they come
                    // from and its span in Unicode code points of the input (the prompt, if any, then the text).
                    var isSpecial = i == 0 || i == ids.Length - 1;
                    json.WriteStartObject();
                    json.WriteNumber("id", ids[i]);
                    if (!isSpecial && offsets is not null)
                    {
                        var (start, end) = offsets[i - 1];
                        json.WriteString("text", input[start..end]);
                        json.WriteBoolean("special", false);
                        json.WriteNumber("start", Qianru.Tokenization.EmbeddingTokenizer.CodePointIndex(input, start));
                        json.WriteNumber("stop", Qianru.Tokenization.EmbeddingTokenizer.CodePointIndex(input, end));
                    }
                    else
                    {
                        json.WriteString("text", embedder.Tokenizer.GetToken(ids[i]));
                        json.WriteBoolean("special", isSpecial);
                        json.WriteNull("start");
                        json.WriteNull("stop");
                    }

                    json.WriteEndObject();
                }

                json.WriteEndArray();
            }

            json.WriteEndArray();
        });
    }

    public Task InfoAsync(HttpContext context) => JsonResponse.WriteAsync(context, json =>
    {
        var model = service.Queues[0].Embedder.Model;
        json.WriteStartObject();
        json.WriteString("model_id", model.Id);
        json.WriteString("model_type", "embedding");
        json.WriteNumber("max_input_length", model.MaxSequenceLength);
        json.WriteNumber("max_batch_tokens", service.Options.MaxBatchTokens);
        json.WriteNumber("max_concurrent_requests", service.Options.MaxConcurrentRequests);
        json.WriteNumber("max_client_batch_size", service.Options.MaxClientBatchSize);
        json.WriteBoolean("auto_truncate", service.Options.AutoTruncate);
        json.WriteString("version", typeof(TeiEndpoints).Assembly.GetName().Version?.ToString() ?? "0");
        json.WriteEndObject();
    });

    private static (bool? Truncate, bool Left, string? PromptName) Common(JsonElement body, bool rawIds)
    {
        var truncate = JsonFields.Bool(body, "truncate");
        var direction = JsonFields.String(body, "truncation_direction") ?? "Right";
        var left = direction.ToLowerInvariant() switch
        {
            "right" => false,
            "left" => true,
            _ => throw ApiException.BadRequest($"'truncation_direction' is '{direction}'; use 'Right' or 'Left'.", "truncation_direction"),
        };
        var promptName = JsonFields.String(body, "prompt_name");
        if (rawIds && promptName is not null)
        {
            throw ApiException.BadRequest("'prompt_name' cannot be used with token-id inputs.", "prompt_name");
        }

        return (truncate, left, promptName);
    }
}
