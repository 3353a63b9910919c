using System.Runtime.InteropServices;
using System.Text.Json;
using Qianru.Text;

namespace Qianru.Server.Http;

/// <summary>Reads request fields with a 400 that names the field when its JSON type is wrong.</summary>
internal static class JsonFields
{
    /// <summary>
    /// Reads the body (Kestrel enforces the size limit) and parses it as a JSON object. Text that is not valid Unicode is
    /// refused with 400 naming the item (<see cref="UnicodeText"/>): invalid UTF-8 anywhere in the body here, lone
    /// surrogate escapes when a string is read (<see cref="Text"/>).
    /// </summary>
    public static async Task<JsonDocument> ReadBodyAsync(HttpContext context)
    {
        // A Content-Length is a claim: start small and let the buffer grow with what arrives (Kestrel stops it at the limit).
        var buffer = new MemoryStream(context.Request.ContentLength is { } l and > 0 ? (int)Math.Min(l, 64 * 1024) : 4096);
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
        {
            throw InvalidUtf8(body);
        }

        var document = JsonDocument.Parse(body);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = Kind(document.RootElement);
            document.Dispose();
            throw ApiException.BadRequest($"The request body must be a JSON object, not {kind}.");
        }

        return document;
    }

    public static bool TryGet(JsonElement body, string name, out JsonElement value) =>
        body.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    public static JsonElement Required(JsonElement body, string name) =>
        TryGet(body, name, out var value) ? value : throw ApiException.BadRequest($"'{name}' is required.", name);

    /// <summary>The string field <paramref name="name"/> of <paramref name="body"/>, or null; <paramref name="path"/> names it in errors (default: the name).</summary>
    public static string? String(JsonElement body, string name, string? path = null)
    {
        if (!TryGet(body, name, out var value))
        {
            return null;
        }

        path ??= name;
        return value.ValueKind == JsonValueKind.String
            ? Text(value, $"'{path}'", path)
            : throw ApiException.BadRequest($"'{path}' must be a string, not {Kind(value)}.", path);
    }

    /// <summary>A JSON string's value; 400 naming <paramref name="item"/> when it is not valid Unicode.</summary>
    public static string Text(JsonElement value, string item, string param)
    {
        try
        {
            return UnicodeText.GetString(value, item);
        }
        catch (QianruException e)
        {
            throw ApiException.BadRequest(e.Message, param, "invalid_unicode");
        }
    }

    /// <summary>A 400 for a body with invalid UTF-8 that names the first string holding it (e.g. <c>'input[2]'</c>) when the JSON can be parsed, else the byte.</summary>
    private static ApiException InvalidUtf8(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (FindInvalid(document.RootElement, "") is { } found)
            {
                return ApiException.BadRequest(found.Message, found.Param, "invalid_unicode");
            }
        }
        catch (JsonException)
        {
        }

        UnicodeText.TryValidateUtf8(body.Span, "The request body", out var error);
        return ApiException.BadRequest(error ?? "The request body is not valid UTF-8.", code: "invalid_unicode");
    }

    private static (string Message, string? Param)? FindInvalid(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return UnicodeText.TryValidateUtf8(JsonMarshal.GetRawUtf8Value(element)[1..^1], $"'{path}'", out var error) // raw strings keep their quotes
                    ? null
                    : (error, path.Split('[')[0]);
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (FindInvalid(item, $"{path}[{i++}]") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    var rawName = JsonMarshal.GetRawUtf8PropertyName(property);
                    if (!UnicodeText.TryValidateUtf8(rawName, path.Length == 0 ? "A property name" : $"A property name in '{path}'", out var nameError))
                    {
                        return (nameError, path.Length == 0 ? null : path.Split('[')[0]);
                    }

                    if (FindInvalid(property.Value, path.Length == 0 ? property.Name : $"{path}.{property.Name}") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    public static bool? Bool(JsonElement body, string name)
    {
        if (!TryGet(body, name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw ApiException.BadRequest($"'{name}' must be true or false, not {Kind(value)}.", name),
        };
    }

    public static int? Int(JsonElement body, string name)
    {
        if (!TryGet(body, name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var i)
            ? i
            : throw ApiException.BadRequest($"'{name}' must be an integer, not {Kind(value)}.", name);
    }

    public static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => value.TryGetInt64(out _) ? "an integer" : "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
