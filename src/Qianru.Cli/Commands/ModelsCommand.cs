using System.CommandLine;
using System.Text.Json;
using Qianru.Cli.Infrastructure;
using Qianru.Models;
using Qianru.Models.Hub;

namespace Qianru.Cli.Commands;

/// <summary><c>qianru models</c>: the embedded models and their settings, the Hugging Face cache's models, or one model's settings.</summary>
internal sealed class ModelsCommand : ICliCommand
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public Command Build(CliContext context)
    {
        var format = new Option<string>("--format", "-f") { Description = "table or json.", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var show = new Option<string?>("--show") { Description = "Load a model (an id, a folder or a Hugging Face model id) and print the settings Qianru read from it." };
        var command = new Command("models", "List the embedded models (no download needed) and their settings, and the models in the Hugging Face cache.")
        {
            format, show, ModelsPullCommand.Build(context), ModelsQuantizeCommand.Build(context),
        };
        command.SetAction(parse =>
        {
            IReadOnlyList<ModelInfo> infos;
            IReadOnlyList<HubCachedModel> cached = [];
            var hub = context.HubOptions();
            if (parse.GetValue(show) is { } model)
            {
                using var embedder = ModelFactory.OpenSentenceEmbedder(ModelFactory.Resolve(model, context));
                infos = [embedder.Model];
            }
            else
            {
                infos = [.. EmbeddedModels.All.Concat(EmbeddedModels.Quantized).Select(m => m.Info)];
                cached = HuggingFaceHub.ListCached(hub);
            }

            if (parse.GetValue(format) == "json")
            {
                context.Out.WriteLine(JsonSerializer.Serialize(infos.Select(ToJson).Concat(cached.Select(ToJson)), Json));
                return ExitCodes.Success;
            }

            context.Out.WriteLine("id\tdims\tmax_tokens\tpooling\tnormalize\tprompts\tdescription");
            foreach (var m in infos)
            {
                var prompts = m.Prompts.Count == 0 ? "-" : string.Join(", ", m.Prompts.Select(p => $"{p.Key}=\"{p.Value}\""));
                context.Out.WriteLine($"{m.Id}{(m.Id == EmbeddedModels.DefaultId ? " (default)" : "")}\t{m.Dimensions}\t{m.MaxSequenceLength}\t{PoolingName(m.Pooling)}\t{(m.Normalize ? "yes" : "no")}\t{prompts}\t{m.Description}");
            }

            if (parse.GetValue(show) is null)
            {
                context.Out.WriteLine();
                if (cached.Count == 0)
                {
                    context.Out.WriteLine($"Hugging Face cache {hub.CacheFolder}: no models yet (qianru models pull ORG/NAME, or --model ORG/NAME downloads on first use).");
                }
                else
                {
                    context.Out.WriteLine($"Hugging Face cache {hub.CacheFolder}:");
                    context.Out.WriteLine("id\trevision\tcommit\tweights\tsize\tfolder");
                    foreach (var c in cached)
                    {
                        context.Out.WriteLine($"{c.RepoId}\t{(c.Refs.Count == 0 ? "-" : string.Join(",", c.Refs))}\t{c.Commit[..10]}\t{c.Weights}\t{DownloadProgress.Size(c.SizeBytes)}\t{c.Folder}");
                    }
                }
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

    private static object ToJson(HubCachedModel m) => new Dictionary<string, object?>
    {
        ["id"] = m.RepoId,
        ["source"] = m.Folder,
        ["hub_refs"] = m.Refs,
        ["hub_commit"] = m.Commit,
        ["weights"] = m.Weights,
        ["files"] = m.Files,
        ["size_bytes"] = m.SizeBytes,
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
