using System.Text.Json;
using Qianru.Cli.Infrastructure;
using Qianru.Collections;

namespace Qianru.Cli.Search;

/// <summary>Reads <c>qianru index add --input</c>: text lines, or jsonl with "text" and optional "id" and "metadata" (strict UTF-8).</summary>
internal static class CollectionInput
{
    public static List<CollectionItem> Read(string input, CliContext context)
    {
        var jsonl = input.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || input.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
        using var reader = TextLineReader.Open(input, context);
        var path = reader.Name;
        var items = new List<CollectionItem>();
        while (reader.TryReadLine(out var line))
        {
            var lineNumber = reader.LineNumber;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            if (!jsonl)
            {
                items.Add(new CollectionItem(line.Trim()));
                continue;
            }

            try
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
                {
                    throw new InvalidDataException($"{path}: line {lineNumber}: expected an object with a \"text\" string");
                }

                string? id = null;
                if (root.TryGetProperty("id", out var idElement))
                {
                    id = idElement.ValueKind switch
                    {
                        JsonValueKind.String => JsonText.GetString(idElement, $"{path}:{lineNumber} \"id\""),
                        JsonValueKind.Number => idElement.GetRawText(),
                        _ => throw new InvalidDataException($"{path}: line {lineNumber}: \"id\" must be a string or a number"),
                    };
                }

                string? metadata = null;
                if (root.TryGetProperty("metadata", out var meta) && meta.ValueKind != JsonValueKind.Null)
                {
                    if (meta.ValueKind != JsonValueKind.Object)
                    {
                        throw new InvalidDataException($"{path}: line {lineNumber}: \"metadata\" must be a JSON object");
                    }

                    JsonText.CheckStrings(meta, $"{path}:{lineNumber} \"metadata\"");
                    metadata = meta.GetRawText();
                }

                items.Add(new CollectionItem(JsonText.GetString(text, $"{path}:{lineNumber} \"text\""), id, metadata));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}: line {lineNumber}: not valid JSON ({e.Message})");
            }
        }

        return items;
    }
}
