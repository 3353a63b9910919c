using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Qianru.Server.Http;

/// <summary>Writes a JSON response body built with a <see cref="Utf8JsonWriter"/> (floats in shortest round-trip form).</summary>
internal static class JsonResponse
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task WriteAsync(HttpContext context, Action<Utf8JsonWriter> write, int status = StatusCodes.Status200OK)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            write(json);
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    public static void WriteVector(Utf8JsonWriter json, ReadOnlySpan<float> vector)
    {
        json.WriteStartArray();
        foreach (var v in vector)
        {
            json.WriteNumberValue(v);
        }

        json.WriteEndArray();
    }
}
