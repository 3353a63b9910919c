namespace Qianru.Providers;

/// <summary>
/// Reads a <c>.env</c> file as python-dotenv does for the common cases: <c>KEY=value</c> lines, <c>#</c> comments,
/// an optional <c>export </c> prefix, values in single or double quotes.
/// </summary>
public static class DotEnv
{
    /// <summary>The variables of a <c>.env</c> file; an empty map when the file does not exist.</summary>
    /// <exception cref="InvalidDataException">A line that is neither a comment nor <c>KEY=value</c>.</exception>
    public static IReadOnlyDictionary<string, string> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return values;
        }

        var number = 0;
        foreach (var raw in File.ReadLines(path))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (line.StartsWith("export ", StringComparison.Ordinal))
            {
                line = line[7..].TrimStart();
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new InvalidDataException($"{path}:{number}: expected KEY=value.");
            }

            var key = line[..equals].Trim();
            var value = line[(equals + 1)..].Trim();
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0])
            {
                value = value[1..^1];
            }
            else
            {
                var comment = value.IndexOf(" #", StringComparison.Ordinal);
                if (comment >= 0)
                {
                    value = value[..comment].TrimEnd();
                }
            }

            values[key] = value;
        }

        return values;
    }
}
