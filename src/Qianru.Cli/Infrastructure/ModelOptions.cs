using System.CommandLine;

namespace Qianru.Cli.Infrastructure;

/// <summary>The shared <c>--model</c> and <c>--threads</c> options and how they load a <see cref="SentenceEmbedder"/>.</summary>
internal sealed class ModelOptions
{
    public Option<string> Model { get; } = new("--model", "-m")
    {
        Description = "An embedded model id (minilm, arctic-xs) or a model folder with model.onnx or onnx/model.onnx (e.g. a BAAI/bge-small-zh-v1.5 export).",
        DefaultValueFactory = _ => Qianru.Models.EmbeddedModels.DefaultId,
    };

    public Option<int?> Threads { get; } = new("--threads")
    {
        Description = "ONNX Runtime threads (default: all processors).",
    };

    private static string ModelIds => string.Join(", ", Qianru.Models.EmbeddedModels.All.Select(m => m.Info.Id));

    public void AddTo(Command command)
    {
        command.Options.Add(Model);
        command.Options.Add(Threads);
    }

    public SentenceEmbedder Load(ParseResult parse, CliContext context)
    {
        var model = parse.GetValue(Model)!;
        var threads = parse.GetValue(Threads);
        if (threads is < 1)
        {
            throw new CliUsageException($"--threads {threads}: must be at least 1.");
        }

        var resolved = model;
        if (Qianru.Models.EmbeddedModels.Find(model) is null)
        {
            resolved = context.ResolvePath(model);
            if (!Directory.Exists(resolved))
            {
                throw new QianruException(File.Exists(resolved)
                    ? $"--model {model}: is a file; give an embedded model id ({ModelIds}) or a model folder holding model.onnx or onnx/model.onnx."
                    : $"--model {model}: unknown model; give an embedded model id ({ModelIds}) or a model folder holding model.onnx or onnx/model.onnx.");
            }
        }

        return SentenceEmbedder.Create(resolved, new EmbedderOptions { Threads = threads });
    }

    /// <summary>
    /// The embedding generator for <paramref name="provider"/>: <c>local</c> loads <c>--model</c> with ONNX Runtime;
    /// <c>openai</c> calls an OpenAI-compatible endpoint for model <c>--model</c>, with <c>OPENAI_API_KEY</c> and
    /// <c>OPENAI_BASE_URL</c> from the environment or a <c>.env</c> file in the working directory.
    /// </summary>
    public Microsoft.Extensions.AI.IEmbeddingGenerator<string, Microsoft.Extensions.AI.Embedding<float>> CreateGenerator(ParseResult parse, CliContext context, string provider, int? dimensions = null) =>
        provider switch
        {
            "local" => Load(parse, context),
            "openai" => Qianru.Providers.OpenAIEmbeddings.Create(
                Qianru.Providers.OpenAIProviderOptions.FromEnvironment(parse.GetValue(Model), context.ResolvePath(".env"), dimensions)),
            _ => throw new CliUsageException($"--provider {provider}: use local or openai."),
        };
}
