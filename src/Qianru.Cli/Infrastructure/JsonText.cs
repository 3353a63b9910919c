using System.Text.Json;
using Qianru.Text;

namespace Qianru.Cli.Infrastructure;

/// <summary>Reads strings out of JSON input lines by the team's one rule for text that is not valid Unicode (<see cref="UnicodeText"/>).</summary>
internal static class JsonText
{
    /// <summary>
    /// The string value of <paramref name="element"/>; a JSON escape of an unpaired surrogate (<c>"\ud800"</c>) is a
    /// <see cref="QianruException"/> that names <paramref name="item"/>.
    /// </summary>
    public static string GetString(JsonElement element, string item) => UnicodeText.GetString(element, item);

    /// <summary>Checks every string and property name inside <paramref name="element"/> (e.g. metadata) the same way.</summary>
    public static void CheckStrings(JsonElement element, string item)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                UnicodeText.GetString(element, item);
                break;
            case JsonValueKind.Array:
                foreach (var value in element.EnumerateArray())
                {
                    CheckStrings(value, item);
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
                        throw new QianruException($"{item} is not valid Unicode: a property name holds a lone surrogate escape. Send UTF-8 text; Qianru refuses invalid text rather than guessing what it meant.");
                    }

                    CheckStrings(property.Value, item);
                }

                break;
        }
    }
}
