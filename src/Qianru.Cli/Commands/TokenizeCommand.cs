using System.CommandLine;
using System.Text;
using System.Text.Json;
using Qianru.Cli.Infrastructure;

namespace Qianru.Cli.Commands;

/// <summary><c>qianru tokenize</c>: the token ids and tokens a model sees.</summary>
internal sealed class TokenizeCommand : ICliCommand
{
    public Command Build(CliContext context)
    {
        var input = new TextInput(argumentDescription: "Texts to tokenize (or use --input).");
        var model = new ModelOptions();
        var prompt = new Option<string?>("--prompt") { Description = "Text put before every input." };
        var promptName = new Option<string?>("--prompt-name") { Description = "A prompt of the model by name, e.g. query." };
        var format = new Option<string>("--format", "-f") { Description = "table: index, count and tokens per line; jsonl: {\"index\",\"text\",\"ids\",\"tokens\",\"offsets\"} per text (offsets: [start, end) in code points, null for [CLS]/[SEP] or <s>/</s>); json: an array of those.", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "jsonl", "json");
        var output = new Option<string?>("--output", "-o") { Description = "Write to FILE instead of standard output." };
        var command = new Command("tokenize", "Show the token ids and tokens of texts, as the model sees them (with [CLS]/[SEP] or <s>/</s>, and truncation).");
        input.AddTo(command);
        model.AddTo(command);
        command.Options.Add(prompt);
        command.Options.Add(promptName);
        command.Options.Add(format);
        command.Options.Add(output);
        command.SetAction(parse =>
        {
            SameFile.RefuseOverwrite(context, "--output", parse.GetValue(output), ("--input", parse.GetValue(input.Input)));
            var texts = input.Read(parse, context);
            using var embedder = model.Load(parse, context);
            var options = new EmbedOptions { Prompt = parse.GetValue(prompt), PromptName = parse.GetValue(promptName) };
            var writer = OutputTarget.OpenText(parse.GetValue(output), context, out var owned);
            try
            {
                var fmt = parse.GetValue(format);
                var truncated = 0;
                var mostlyUnknown = 0;
                var buffer = new MemoryStream();
                var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
                if (fmt == "json")
                {
                    json.WriteStartArray();
                }

                for (var i = 0; i < texts.Count; i++)
                {
                    var tokenized = embedder.Tokenize(texts[i], options);
                    truncated += tokenized.Truncated ? 1 : 0;
                    mostlyUnknown += tokenized.UnknownFraction > 0.5 ? 1 : 0;
                    var tokens = embedder.Tokenizer.GetTokens(tokenized.Ids);
                    if (fmt == "table")
                    {
                        writer.WriteLine($"{i}\t{tokenized.Length}\t{string.Join(' ', tokens)}");
                        continue;
                    }

                    json.WriteStartObject();
                    json.WriteNumber("index", i);
                    json.WriteString("text", texts[i]);
                    json.WriteStartArray("ids");
                    foreach (var id in tokenized.Ids)
                    {
                        json.WriteNumberValue(id);
                    }

                    json.WriteEndArray();
                    json.WriteStartArray("tokens");
                    foreach (var t in tokens)
                    {
                        json.WriteStringValue(t);
                    }

                    json.WriteEndArray();

                    // Where each token comes from: [start, end) in code points of the text the model reads (the
                    // prompt, if any, then the text); null for [CLS], [SEP] and when spans cannot be recovered.
                    var (_, input, offsets) = embedder.TokenizeWithOffsets(texts[i], options);
                    json.WriteStartArray("offsets");
                    for (var t = 0; t < tokenized.Ids.Length; t++)
                    {
                        if (t == 0 || t == tokenized.Ids.Length - 1 || offsets is null)
                        {
                            json.WriteNullValue();
                            continue;
                        }

                        json.WriteStartArray();
                        json.WriteNumberValue(Qianru.Tokenization.EmbeddingTokenizer.CodePointIndex(input, offsets[t - 1].Start));
                        json.WriteNumberValue(Qianru.Tokenization.EmbeddingTokenizer.CodePointIndex(input, offsets[t - 1].End));
                        json.WriteEndArray();
                    }

                    json.WriteEndArray();
                    json.WriteEndObject();
                    if (fmt == "jsonl")
                    {
                        json.Flush();
                        writer.WriteLine(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
                        buffer.SetLength(0);
                        json.Reset(buffer);
                    }
                }

                if (fmt == "json")
                {
                    json.WriteEndArray();
                    json.Flush();
                    writer.WriteLine(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
                }

                writer.Flush();
                if (truncated > 0)
                {
                    context.Error.WriteLine($"warning: {truncated} of {texts.Count} texts were longer than {embedder.Model.MaxSequenceLength} tokens and were truncated.");
                }

                if (mostlyUnknown > 0)
                {
                    context.Error.WriteLine($"warning: {mostlyUnknown} of {texts.Count} texts are mostly [UNK] tokens for model {embedder.Model.Id}; use a model for their language, e.g. --model BAAI/bge-small-zh-v1.5.");
                }
            }
            finally
            {
                if (owned)
                {
                    writer.Dispose();
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
