using System.CommandLine;
using System.Text.Json;
using Qianru.Cli.Infrastructure;
using Qianru.Models;

namespace Qianru.Cli.Commands;

/// <summary><c>qianru models</c>: the embedded models and their settings, or a model folder's settings.</summary>
internal sealed class ModelsCommand : ICliCommand
{
    public Command Build(CliContext context)
    {
        var format = new Option<string>("--format", "-f") { Description = "table or json.", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var show = new Option<string?>("--show") { Description = "Load a model (an id or a folder) and print the settings Qianru read from it." };
        var command = new Command("models", "List the embedded models (no download needed) and their settings.");
        command.Options.Add(format);
        command.Options.Add(show);
        command.Subcommands.Add(ModelsQuantizeCommand.Build(context));
        command.SetAction(parse =>
        {
            IReadOnlyList<ModelInfo> infos;
            if (parse.GetValue(show) is { } model)
            {
                var path = EmbeddedModels.Find(model) is null ? context.ResolvePath(model) : model;
                using var embedder = SentenceEmbedder.Create(path);
                infos = [embedder.Model];
            }
            else
            {
                infos = [.. EmbeddedModels.All.Concat(EmbeddedModels.Quantized).Select(m => m.Info)];
            }

            if (parse.GetValue(format) == "json")
            {
                context.Out.WriteLine(JsonSerializer.Serialize(infos.Select(ToJson), new JsonSerializerOptions
                {
                    WriteIndented = true,
                    Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                }));
                return ExitCodes.Success;
            }

            context.Out.WriteLine("id\tdims\tmax_tokens\tpooling\tnormalize\tprompts\tdescription");
            foreach (var m in infos)
            {
                var prompts = m.Prompts.Count == 0 ? "-" : string.Join(", ", m.Prompts.Select(p => $"{p.Key}=\"{p.Value}\""));
                context.Out.WriteLine($"{m.Id}{(m.Id == EmbeddedModels.DefaultId ? " (default)" : "")}\t{m.Dimensions}\t{m.MaxSequenceLength}\t{PoolingName(m.Pooling)}\t{(m.Normalize ? "yes" : "no")}\t{prompts}\t{m.Description}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static string PoolingName(PoolingMode mode) => mode switch
    {
        PoolingMode.Mean => "mean",
        PoolingMode.Cls => "cls",
        PoolingMode.Max => "max",
        PoolingMode.LastToken => "lasttoken",
        _ => "mean_sqrt_len_tokens",
    };

    private static object ToJson(ModelInfo m) => new Dictionary<string, object?>
    {
        ["id"] = m.Id,
        ["source"] = m.Source,
        ["dimensions"] = m.Dimensions,
        ["max_seq_length"] = m.MaxSequenceLength,
        ["pooling"] = PoolingName(m.Pooling),
        ["include_prompt"] = m.IncludePrompt,
        ["normalize"] = m.Normalize,
        ["do_lower_case"] = m.DoLowerCase,
        ["prompts"] = m.Prompts,
        ["default_prompt_name"] = m.DefaultPromptName,
        ["similarity_fn_name"] = m.SimilarityFunction,
        ["description"] = m.Description,
    };
}
