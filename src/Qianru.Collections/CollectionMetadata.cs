using System.Text.Json;

namespace Qianru.Collections;

/// <summary>Checks item metadata (a JSON object) and compares it as JSON, not as text.</summary>
internal static class CollectionMetadata
{
    /// <summary>The metadata as given when it is one JSON object.</summary>
    /// <exception cref="QianruException">Not JSON, or not an object.</exception>
    public static string Validate(string json, int index, string id)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new QianruException($"item {index} (id '{id}'): metadata must be a JSON object, not {doc.RootElement.ValueKind}");
            }

            return doc.RootElement.GetRawText();
        }
        catch (JsonException e)
        {
            throw new QianruException($"item {index} (id '{id}'): metadata is not valid JSON ({e.Message})", e);
        }
    }

    /// <summary>True when both are null, or both parse to equal JSON values (object key order and spacing aside).</summary>
    public static bool SameJson(string? a, string? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        if (string.Equals(a, b, StringComparison.Ordinal))
        {
            return true;
        }

        try
        {
            using var x = JsonDocument.Parse(a);
            using var y = JsonDocument.Parse(b);
            return JsonElement.DeepEquals(x.RootElement, y.RootElement);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
