using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Qianru.Server.Http;
using Qianru.Server.Lifecycle;

namespace Qianru.Server.Endpoints;

/// <summary>OpenAI's <c>POST /v1/embeddings</c> and <c>GET /v1/models</c>.</summary>
internal sealed class OpenAIEndpoints(ServerState state)
{
    public async Task EmbeddingsAsync(HttpContext context)
    {
        var service = state.Service;
        using var document = await JsonFields.ReadBodyAsync(context);
        var body = document.RootElement;
        var queue = service.Find(JsonFields.String(body, "model"));
        var input = JsonFields.Required(body, "input");
        var format = JsonFields.String(body, "encoding_format") ?? "float";
        if (format is not ("float" or "base64"))
        {
            throw ApiException.BadRequest($"'encoding_format' is '{format}'; use 'float' or 'base64'.", "encoding_format");
        }

        var dimensions = EmbeddingService.CheckDimensions(queue, JsonFields.Int(body, "dimensions"));
        _ = JsonFields.String(body, "user");
        var inputs = ParsedInputs.Parse(input, "input", service.Options.MaxClientBatchSize);
        var sequences = service.Tokenize(queue, inputs, "input", truncate: null, left: false, promptName: null);
        var vectors = await service.EmbedAsync(queue, sequences, null, rawIds: inputs.TokenIds is not null, dimensions, queue.Embedder.Model.Normalize, context.RequestAborted);
        var tokens = sequences.Sum(s => s.Length);
        await JsonResponse.WriteAsync(context, json =>
        {
            json.WriteStartObject();
            json.WriteString("object", "list");
            json.WriteStartArray("data");
            for (var i = 0; i < vectors.Length; i++)
            {
                var vector = vectors[i];
                json.WriteStartObject();
                json.WriteString("object", "embedding");
                json.WriteNumber("index", i);
                json.WritePropertyName("embedding");
                if (format == "base64")
                {
                    json.WriteBase64StringValue(LittleEndianBytes(vector));
                }
                else
                {
                    JsonResponse.WriteVector(json, vector);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteString("model", queue.Embedder.Model.Id);
            json.WriteStartObject("usage");
            json.WriteNumber("prompt_tokens", tokens);
            json.WriteNumber("total_tokens", tokens);
            json.WriteEndObject();
            json.WriteEndObject();
        });
    }

    public Task ModelsAsync(HttpContext context) => JsonResponse.WriteAsync(context, json =>
    {
        json.WriteStartObject();
        json.WriteString("object", "list");
        json.WriteStartArray("data");
        foreach (var queue in state.Service.Queues)
        {
            json.WriteStartObject();
            json.WriteString("id", queue.Embedder.Model.Id);
            json.WriteString("object", "model");
            json.WriteNumber("created", 0);
            json.WriteString("owned_by", "qianru");
            json.WriteNumber("dimensions", queue.Embedder.Model.Dimensions);
            json.WriteNumber("max_input_tokens", queue.Embedder.Model.MaxSequenceLength);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    });

    private static byte[] LittleEndianBytes(float[] vector)
    {
        var bytes = new byte[vector.Length * sizeof(float)];
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(vector.AsSpan()).CopyTo(bytes);
        }
        else
        {
            for (var i = 0; i < vector.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), vector[i]);
            }
        }

        return bytes;
    }
}
