using System.CommandLine;
using System.Text.Json;

namespace Qianru.Cli.Infrastructure;

/// <summary>
/// The texts a command works on: positional arguments, or <c>--input FILE</c> (one text per line, or <c>.jsonl</c>
/// with a "text" field; <c>-</c> = standard input).
/// </summary>
internal sealed class TextInput
{
    public TextInput(string argumentName = "texts", string argumentDescription = "Texts to process (or use --input).")
    {
        Texts = new Argument<string[]>(argumentName) { Arity = ArgumentArity.ZeroOrMore, Description = argumentDescription };
        Input = new Option<string?>("--input", "-i")
        {
            Description = "Read texts from FILE: one per line, or .jsonl with a \"text\" field per line; '-' reads standard input.",
        };
    }

    public Argument<string[]> Texts { get; }

    public Option<string?> Input { get; }

    public void AddTo(Command command)
    {
        command.Arguments.Add(Texts);
        command.Options.Add(Input);
    }

    /// <summary>Reads the texts; throws a usage error when there are none or both sources are given.</summary>
    public IReadOnlyList<string> Read(ParseResult parse, CliContext context, bool allowEmpty = false)
    {
        var args = parse.GetValue(Texts) ?? [];
        var input = parse.GetValue(Input);
        if (args.Length > 0 && input is not null)
        {
            throw new CliUsageException("give texts as arguments or with --input, not both.");
        }

        IReadOnlyList<string> texts = input is null ? args : ReadFile(input, context);
        if (texts.Count == 0 && !allowEmpty)
        {
            throw new CliUsageException(input is null
                ? "no texts: give them as arguments or with --input FILE."
                : $"{input}: no texts in the file.");
        }

        return texts;
    }

    public static IReadOnlyList<string> ReadFile(string input, CliContext context)
    {
        var isJsonl = input.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || input.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase);
        TextReader reader;
        if (input == "-")
        {
            reader = context.OpenIn();
        }
        else
        {
            var path = context.ResolvePath(input);
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"{input}: file not found.", path);
            }

            reader = new StreamReader(path, System.Text.Encoding.UTF8);
        }

        var texts = new List<string>();
        using (input == "-" ? null : reader)
        {
            var lineNumber = 0;
            while (reader.ReadLine() is { } line)
            {
                lineNumber++;
                if (!isJsonl)
                {
                    texts.Add(line);
                    continue;
                }

                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                texts.Add(ReadJsonText(input, lineNumber, line));
            }
        }

        return texts;
    }

    private static string ReadJsonText(string file, int lineNumber, string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.ValueKind == JsonValueKind.String)
            {
                return doc.RootElement.GetString()!;
            }

            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
            {
                return text.GetString()!;
            }
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{file}:{lineNumber}: not valid JSON ({ex.Message}).", ex);
        }

        throw new InvalidDataException($"{file}:{lineNumber}: expected an object with a string \"text\" field (or a JSON string).");
    }
}
