using System.Text.Json;

namespace Qianru.Server.Http;

/// <summary>Reads request fields with a 400 that names the field when its JSON type is wrong.</summary>
internal static class JsonFields
{
    public static async Task<JsonDocument> ReadBodyAsync(HttpContext context)
    {
        var document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
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

    public static string? String(JsonElement body, string name)
    {
        if (!TryGet(body, name, out var value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw ApiException.BadRequest($"'{name}' must be a string, not {Kind(value)}.", name);
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
