using System.Text.Json;
using Qianru.Collections;

namespace Qianru.Cli.Search;

/// <summary>Reads <c>qianru index add --input</c>: text lines, or jsonl with "text" and optional "id" and "metadata".</summary>
internal static class CollectionInput
{
    public static List<CollectionItem> Read(string path, TextReader? stdin)
    {
        var jsonl = path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
        if (path != "-" && !File.Exists(path))
        {
            throw new FileNotFoundException($"--input: file not found: {path}", path);
        }

        using var reader = path == "-" ? stdin! : new StreamReader(path);
        var items = new List<CollectionItem>();
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
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
                        JsonValueKind.String => idElement.GetString(),
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

                    metadata = meta.GetRawText();
                }

                items.Add(new CollectionItem(text.GetString()!, id, metadata));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}: line {lineNumber}: not valid JSON ({e.Message})");
            }
        }

        return items;
    }
}
