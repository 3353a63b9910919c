using System.Numerics.Tensors;
using System.Text.Json;
using Qianru.Server.Http;
using Qianru.Server.Lifecycle;
using Qianru.Tokenization;

namespace Qianru.Server.Endpoints;

/// <summary>
/// text-embeddings-inference's <c>POST /embed</c>, <c>/similarity</c>, <c>/tokenize</c> and <c>GET /info</c>, on the first model
/// (or the one a <c>model</c> field names).
/// </summary>
/// <remarks>See <see href="https://huggingface.github.io/text-embeddings-inference/"/>.</remarks>
internal sealed class TeiEndpoints(ServerState state)
{
    public async Task EmbedAsync(HttpContext context)
    {
        var service = state.Service;
        using var document = await JsonFields.ReadBodyAsync(context);
        var body = document.RootElement;
        var queue = service.Find(JsonFields.String(body, "model"));
        var inputs = ParsedInputs.Parse(JsonFields.Required(body, "inputs"), "inputs", service.Options.MaxClientBatchSize);
        var normalize = JsonFields.Bool(body, "normalize") ?? true;
        var dimensions = EmbeddingService.CheckDimensions(queue, JsonFields.Int(body, "dimensions"));
        var (truncate, left, promptName) = Common(body, inputs.TokenIds is not null);
        var sequences = service.Tokenize(queue, inputs, "inputs", truncate, left, promptName);
        var vectors = await service.EmbedAsync(queue, sequences, promptName, inputs.TokenIds is not null, dimensions, normalize, context.RequestAborted);
        await JsonResponse.WriteAsync(context, json =>
        {
            json.WriteStartArray();
            foreach (var vector in vectors)
            {
                JsonResponse.WriteVector(json, vector);
            }

            json.WriteEndArray();
        });
    }

    public async Task SimilarityAsync(HttpContext context)
    {
        var service = state.Service;
        using var document = await JsonFields.ReadBodyAsync(context);
        var body = document.RootElement;
        var queue = service.Find(JsonFields.String(body, "model"));
        var inputs = JsonFields.Required(body, "inputs");
        if (inputs.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.BadRequest($"'inputs' must be an object with 'source_sentence' and 'sentences', not {JsonFields.Kind(inputs)}.", "inputs");
        }

        var source = JsonFields.String(inputs, "source_sentence", "inputs.source_sentence") ?? throw ApiException.BadRequest("'inputs.source_sentence' is required.", "inputs.source_sentence");
        var sentences = ParsedInputs.Parse(JsonFields.Required(inputs, "sentences"), "inputs.sentences", service.Options.MaxClientBatchSize - 1, allowTokenIds: false);
        if (source.Length == 0)
        {
            throw ApiException.BadRequest("'inputs.source_sentence' is an empty string; give some text.", "inputs.source_sentence");
        }

        var (truncate, left, promptName) = Common(body, rawIds: false);
        var all = ParsedInputs.FromTexts([source, .. sentences.Texts!]);
        var sequences = service.Tokenize(queue, all, "inputs", truncate, left, promptName);
        var raw = await service.EmbedAsync(queue, sequences, promptName, rawIds: false, dimensions: null, normalize: false, context.RequestAborted);
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

    /// <summary>
    /// TEI's <c>/tokenize</c>, bounded as embedding is: it takes one of the model's admissions
    /// (<c>--max-concurrent-requests</c>), the inputs count against <c>--max-client-batch-size</c>, all of them together
    /// may hold at most as many tokens as the largest embedding request (that many inputs of the model's maximum
    /// length; more get 413), and it stops between inputs when the client goes. Time and memory are linear in the input.
    /// </summary>
    public async Task TokenizeAsync(HttpContext context)
    {
        var service = state.Service;
        var aborted = context.RequestAborted;
        using var document = await JsonFields.ReadBodyAsync(context);
        var body = document.RootElement;
        var queue = service.Find(JsonFields.String(body, "model"));
        var inputs = ParsedInputs.Parse(JsonFields.Required(body, "inputs"), "inputs", service.Options.MaxClientBatchSize, allowTokenIds: false);
        var special = JsonFields.Bool(body, "add_special_tokens") ?? true;
        var promptName = JsonFields.String(body, "prompt_name");
        var embedder = queue.Embedder;
        var options = promptName is null ? null : new EmbedOptions { PromptName = promptName };
        var budget = (long)service.Options.MaxClientBatchSize * embedder.Model.MaxSequenceLength;
        using var admission = service.Admit(queue);
        var tokenized = new List<(TokenizedText Tokens, string Input, (int Start, int End)[]? Offsets)>(inputs.Count);
        long total = 0;
        for (var i = 0; i < inputs.Count; i++)
        {
            aborted.ThrowIfCancellationRequested();
            (TokenizedText Tokens, string Input, (int Start, int End)[]? Offsets) one;
            try
            {
                one = embedder.TokenizeWithOffsets(inputs.Texts![i], options);
            }
            catch (QianruException e)
            {
                throw ApiException.BadRequest($"'prompt_name': {e.Message}", "prompt_name");
            }

            total += one.Tokens.Length;
            if (total > budget)
            {
                throw ApiException.TooLarge(
                    $"The inputs of 'inputs' hold more than {budget} tokens (input {i} brings them to {total}); /tokenize answers at most as many as the largest embedding request: {service.Options.MaxClientBatchSize} inputs (--max-client-batch-size) of {embedder.Model.MaxSequenceLength} tokens (model {embedder.Model.Id}).",
                    "inputs",
                    "too_many_tokens");
            }

            tokenized.Add(one);
        }

        aborted.ThrowIfCancellationRequested();
        await JsonResponse.WriteAsync(context, json =>
        {
            json.WriteStartArray();
            foreach (var (tokens, input, offsets) in tokenized)
            {
                var ids = tokens.Ids;
                var codePoints = offsets is null ? null : EmbeddingTokenizer.CodePointIndexMap(input);
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
                        json.WriteString("text", input.AsSpan(start, end - start));
                        json.WriteBoolean("special", false);
                        json.WriteNumber("start", codePoints![start]);
                        json.WriteNumber("stop", codePoints[end]);
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
        var service = state.Service;
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
