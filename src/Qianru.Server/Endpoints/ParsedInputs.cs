using System.Text.Json;
using Qianru.Server.Http;

namespace Qianru.Server.Endpoints;

/// <summary>
/// The inputs of a request: texts, or token-id lists (OpenAI's <c>int[]</c> and <c>int[][]</c>, without special tokens).
/// </summary>
internal sealed class ParsedInputs
{
    private ParsedInputs(IReadOnlyList<string>? texts, IReadOnlyList<int[]>? tokenIds)
    {
        Texts = texts;
        TokenIds = tokenIds;
    }

    public IReadOnlyList<string>? Texts { get; }

    public IReadOnlyList<int[]>? TokenIds { get; }

    public int Count => Texts?.Count ?? TokenIds!.Count;

    public static ParsedInputs FromTexts(IReadOnlyList<string> texts) => new(texts, null);

    /// <summary>Parses <c>string | string[] | int[] | int[][]</c>; empty texts and lists are refused.</summary>
    public static ParsedInputs Parse(JsonElement input, string param, int maxInputs, bool allowTokenIds = true)
    {
        switch (input.ValueKind)
        {
            case JsonValueKind.String:
                return new ParsedInputs([NonEmpty(JsonFields.Text(input, $"'{param}'", param), param, param)], null);
            case JsonValueKind.Array:
                break;
            default:
                throw ApiException.BadRequest($"'{param}' must be a string or an array{(allowTokenIds ? " of strings or token ids" : " of strings")}, not {JsonFields.Kind(input)}.", param);
        }

        var count = input.GetArrayLength();
        if (count == 0)
        {
            throw ApiException.BadRequest($"'{param}' is an empty list; give at least one input.", param);
        }

        var first = input[0];
        if (allowTokenIds && first.ValueKind == JsonValueKind.Number)
        {
            Limit(1, maxInputs, param);
            return new ParsedInputs(null, [TokenList(input, param, param)]);
        }

        Limit(count, maxInputs, param);
        if (first.ValueKind == JsonValueKind.String)
        {
            var texts = new string[count];
            var i = 0;
            foreach (var item in input.EnumerateArray())
            {
                texts[i] = item.ValueKind == JsonValueKind.String
                    ? NonEmpty(JsonFields.Text(item, $"'{param}[{i}]'", param), $"{param}[{i}]", param)
                    : throw ApiException.BadRequest($"'{param}[{i}]' must be a string like the other inputs, not {JsonFields.Kind(item)}.", param);
                i++;
            }

            return new ParsedInputs(texts, null);
        }

        if (allowTokenIds && first.ValueKind == JsonValueKind.Array)
        {
            var lists = new int[count][];
            var i = 0;
            foreach (var item in input.EnumerateArray())
            {
                lists[i] = item.ValueKind == JsonValueKind.Array
                    ? TokenList(item, $"{param}[{i}]", param)
                    : throw ApiException.BadRequest($"'{param}[{i}]' must be an array of token ids like the other inputs, not {JsonFields.Kind(item)}.", param);
                i++;
            }

            return new ParsedInputs(null, lists);
        }

        throw ApiException.BadRequest($"'{param}[0]' must be a string{(allowTokenIds ? ", a token id or an array of token ids" : "")}, not {JsonFields.Kind(first)}.", param);
    }

    private static void Limit(int count, int max, string param)
    {
        if (count > max)
        {
            throw ApiException.TooLarge($"'{param}' has {count} inputs; this server takes at most {max} per request (--max-client-batch-size).", param, "too_many_inputs");
        }
    }

    private static string NonEmpty(string text, string name, string param) =>
        text.Length > 0 ? text : throw ApiException.BadRequest($"'{name}' is an empty string; give some text.", param);

    private static int[] TokenList(JsonElement array, string name, string param)
    {
        var count = array.GetArrayLength();
        if (count == 0)
        {
            throw ApiException.BadRequest($"'{name}' is an empty list of token ids.", param);
        }

        var ids = new int[count];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            ids[i] = item.ValueKind == JsonValueKind.Number && item.TryGetInt32(out var id) && id >= 0
                ? id
                : throw ApiException.BadRequest($"'{name}[{i}]' must be a token id (an integer of 0 or more), not {JsonFields.Kind(item)}.", param);
            i++;
        }

        return ids;
    }
}
