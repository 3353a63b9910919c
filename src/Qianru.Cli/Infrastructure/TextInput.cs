using System.CommandLine;
using System.Text.Json;

namespace Qianru.Cli.Infrastructure;

/// <summary>
/// The texts a command works on: positional arguments, or <c>--input FILE</c> (one text per line, or <c>.jsonl</c>
/// with a "text" field; <c>-</c> = standard input). Files are read as strict UTF-8 (see <see cref="TextLineReader"/>).
/// </summary>
internal sealed class TextInput
{
    public TextInput(string argumentName = "texts", string argumentDescription = "Texts to process (or use --input).")
    {
        Texts = new Argument<string[]>(argumentName) { Arity = ArgumentArity.ZeroOrMore, Description = argumentDescription };
        Input = new Option<string?>("--input", "-i")
        {
            Description = "Read texts from FILE: one per line (UTF-8; CRLF and a byte order mark are fine), or .jsonl with a \"text\" field per line; '-' reads standard input.",
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
        var args = CheckSources(parse);
        var input = parse.GetValue(Input);
        IReadOnlyList<string> texts = input is null ? args : ReadFile(input, context);
        if (texts.Count == 0 && !allowEmpty)
        {
            throw NoTexts(input);
        }

        return texts;
    }

    /// <summary>The positional texts, after checking that <c>--input</c> is not given as well.</summary>
    public string[] CheckSources(ParseResult parse)
    {
        var args = parse.GetValue(Texts) ?? [];
        if (args.Length > 0 && parse.GetValue(Input) is not null)
        {
            throw new CliUsageException("give texts as arguments or with --input, not both.");
        }

        return args;
    }

    public static CliUsageException NoTexts(string? input) => new(input is null
        ? "no texts: give them as arguments or with --input FILE."
        : $"{input}: no texts in the file.");

    public static IReadOnlyList<string> ReadFile(string input, CliContext context)
    {
        using var reader = TextLineReader.Open(input, context);
        return [.. ReadTexts(reader, IsJsonl(input))];
    }

    /// <summary>True for <c>.jsonl</c> and <c>.ndjson</c> files, whose lines are JSON.</summary>
    public static bool IsJsonl(string input) =>
        input.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || input.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The texts of an open input, lazily: every line of a text file (empty lines are empty texts), or the "text" of
    /// every non-blank line of a jsonl file.
    /// </summary>
    public static IEnumerable<string> ReadTexts(TextLineReader reader, bool jsonl)
    {
        while (TryReadText(reader, jsonl, out var text))
        {
            yield return text;
        }
    }

    /// <summary>Reads the next text of an open input (see <see cref="ReadTexts"/>); false at the end.</summary>
    public static bool TryReadText(TextLineReader reader, bool jsonl, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? text)
    {
        while (reader.TryReadLineBytes(out var bytes))
        {
            if (!jsonl)
            {
                text = TextLineReader.Decode(bytes, reader.Name, reader.LineNumber);
                return true;
            }

            if (!IsBlank(bytes))
            {
                text = ReadJsonText(reader.Name, reader.LineNumber, TextLineReader.Decode(bytes, reader.Name, reader.LineNumber));
                return true;
            }
        }

        text = null;
        return false;
    }

    /// <summary>
    /// Skips the next text without decoding it (for <c>--shard</c> and <c>--resume</c>, which count texts); false at
    /// the end. Counts exactly as <see cref="TryReadText"/> reads.
    /// </summary>
    public static bool TrySkipText(TextLineReader reader, bool jsonl)
    {
        while (reader.TryReadLineBytes(out var bytes))
        {
            if (!jsonl || !IsBlank(bytes))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when a line of a jsonl file is blank (JSON white space only): it holds no text and is skipped.</summary>
    public static bool IsBlank(ReadOnlySpan<byte> line) => line.Trim(" \t\r\n"u8).IsEmpty;

    private static string ReadJsonText(string file, long lineNumber, string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.ValueKind == JsonValueKind.String)
            {
                return JsonText.GetString(doc.RootElement, $"{file}:{lineNumber}");
            }

            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
            {
                return JsonText.GetString(text, $"{file}:{lineNumber} \"text\"");
            }
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{file}:{lineNumber}: not valid JSON ({ex.Message}).", ex);
        }

        throw new InvalidDataException($"{file}:{lineNumber}: expected an object with a string \"text\" field (or a JSON string).");
    }
}
