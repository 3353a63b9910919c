using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Qianru.Server.Http;

/// <summary>
/// The one place that maps exceptions to status codes and writes OpenAI-shaped error bodies
/// (<c>{"error":{"message","type","param","code"}}</c>). Bodies never carry stack traces or file paths.
/// </summary>
internal static class ErrorResponses
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static ApiException Map(Exception exception) => exception switch
    {
        ApiException api => api,
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            ApiException.TooLarge("The request body is larger than the server's limit (--max-request-bytes).", code: "request_too_large"),
        BadHttpRequestException => ApiException.BadRequest("The request could not be read."),
        JsonException json => ApiException.BadRequest($"The request body is not valid JSON{Where(json)}.", code: "invalid_json"),
        QianruException or ArgumentException => ApiException.BadRequest(exception.Message),
        _ => ApiException.Internal(),
    };

    /// <summary>Writes the error; a 5xx body also carries <paramref name="requestId"/>, which the server's log names too.</summary>
    public static async Task WriteAsync(HttpContext context, ApiException error, int retryAfterSeconds, string requestId)
    {
        var status = error.Status;
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            json.WriteStartObject("error");
            json.WriteString("message", status == StatusCodes.Status500InternalServerError ? $"{error.Message} (request id {requestId}; the server's log has the details)" : error.Message);
            json.WriteString("type", error.Type);
            WriteOptional(json, "param", error.Param);
            WriteOptional(json, "code", error.Code);
            if (status >= 500)
            {
                json.WriteString("request_id", requestId);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        context.Response.StatusCode = status;
        if (status == StatusCodes.Status429TooManyRequests || status == StatusCodes.Status503ServiceUnavailable)
        {
            context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }

        context.Response.ContentType = "application/json";
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }

    private static string Where(JsonException json) =>
        json.LineNumber is { } line ? $" (line {line + 1}, byte {json.BytePositionInLine + 1})" : "";
}
