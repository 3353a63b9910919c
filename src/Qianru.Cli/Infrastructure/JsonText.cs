using System.Text.Json;
using System.Text.RegularExpressions;

namespace Qianru.Cli.Infrastructure;

/// <summary>Reads strings out of JSON input lines, refusing those that are not valid Unicode.</summary>
internal static partial class JsonText
{
    /// <summary>
    /// The string value of <paramref name="element"/>; a JSON escape of an unpaired surrogate (<c>"\ud800"</c>) is an
    /// <see cref="InvalidDataException"/> that names <paramref name="where"/>.
    /// </summary>
    public static string GetString(JsonElement element, string where)
    {
        try
        {
            return element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new InvalidDataException(LoneSurrogateMessage(element.GetRawText(), where));
        }
    }

    /// <summary>Checks every string and property name inside <paramref name="element"/> (e.g. metadata) the same way.</summary>
    public static void CheckStrings(JsonElement element, string where)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                GetString(element, where);
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    CheckStrings(item, where);
                }

                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    try
                    {
                        _ = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        throw new InvalidDataException(LoneSurrogateMessage(element.GetRawText(), where));
                    }

                    CheckStrings(property.Value, where);
                }

                break;
        }
    }

    private static string LoneSurrogateMessage(string raw, string where)
    {
        var escape = SurrogateEscape().Match(raw);
        var shown = escape.Success ? $" such as {escape.Value}" : "";
        return $"{where}: holds an unpaired UTF-16 surrogate escape{shown}; text must be valid Unicode (a \\uD800–\\uDBFF escape must be followed by a \\uDC00–\\uDFFF one).";
    }

    [GeneratedRegex(@"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")]
    private static partial Regex SurrogateEscape();
}
