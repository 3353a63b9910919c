using System.CommandLine;

namespace Qianru.Cli.Infrastructure;

/// <summary>The shared <c>--model</c> and <c>--threads</c> options and how they load a <see cref="SentenceEmbedder"/>.</summary>
internal sealed class ModelOptions
{
    public Option<string> Model { get; } = new("--model", "-m")
    {
        Description = "An embedded model id (minilm, arctic-xs, minilm-int8, arctic-xs-int8) or a model folder with model.onnx or onnx/model.onnx (e.g. a BAAI/bge-small-zh-v1.5 export); similarity and cluster also take words:FILE.vec (sentence vectors from word vectors).",
        DefaultValueFactory = _ => Qianru.Models.EmbeddedModels.DefaultId,
    };

    public Option<int?> Threads { get; } = new Option<int?>("--threads")
    {
        Description = "ONNX Runtime threads (default: all processors).",
    }.InRange(1, EmbedderOptions.MaxThreads);

    private static string ModelIds => string.Join(", ", Qianru.Models.EmbeddedModels.All.Select(m => m.Info.Id));

    /// <summary><c>--provider local|openai</c>, added by commands that can call a remote API.</summary>
    public Option<string> Provider { get; } = Providers.RemoteEmbed.ProviderOption();

    public void AddTo(Command command, bool withProvider = false)
    {
        command.Options.Add(Model);
        command.Options.Add(Threads);
        if (withProvider)
        {
            command.Options.Add(Provider);
        }
    }

    /// <summary>
    /// Opens the model for commands that only need vectors: a local model, <c>words:FILE.vec[#mean|#sif]</c>
    /// (sentence vectors from word vectors), or with <c>--provider openai</c> an OpenAI-compatible API.
    /// </summary>
    public TextEmbedder OpenTextEmbedder(ParseResult parse, CliContext context)
    {
        var model = parse.GetValue(Model)!;
        if (parse.GetValue(Provider) == "openai")
        {
            return TextEmbedder.ForGenerator(CreateGenerator(parse, context, "openai"), model);
        }

        if (model.StartsWith("words:", StringComparison.OrdinalIgnoreCase))
        {
            var spec = model[6..];
            var hash = spec.LastIndexOf('#');
            var path = context.ResolvePath(hash >= 0 ? spec[..hash] : spec);
            var generator = Qianru.WordVectors.WordVectorSentenceEmbedder.Create("words:" + path + (hash >= 0 ? spec[hash..] : ""));
            return TextEmbedder.ForGenerator(generator, model);
        }

        return TextEmbedder.ForLocal(Load(parse, context));
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
