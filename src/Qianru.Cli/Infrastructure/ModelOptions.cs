using System.CommandLine;

namespace Qianru.Cli.Infrastructure;

/// <summary>The shared <c>--model</c> and <c>--threads</c> options and how they load a <see cref="SentenceEmbedder"/>.</summary>
internal sealed class ModelOptions
{
    public Option<string> Model { get; } = new("--model", "-m")
    {
        Description = "An embedded model id (minilm, arctic-xs, minilm-int8, arctic-xs-int8), a model folder, or a Hugging Face model id ORG/NAME[@REVISION] such as BAAI/bge-small-zh-v1.5 (from the Hugging Face cache, downloaded on first use); similarity, cluster and index also take words:FILE.vec[#mean|#sif] (sentence vectors from word vectors). A folder that exists wins over a Hub id of the same spelling.",
        DefaultValueFactory = _ => Qianru.Models.EmbeddedModels.DefaultId,
    };

    public Option<int?> Threads { get; } = new Option<int?>("--threads")
    {
        Description = "ONNX Runtime threads (default: all processors).",
    }.InRange(1, EmbedderOptions.MaxThreads);

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

        var threads = ThreadCount(parse);
        var resolved = ModelFactory.Resolve(model, context);
        return resolved.Kind == Qianru.Models.ModelSpecKind.WordVectors
            ? TextEmbedder.ForGenerator(ModelFactory.OpenGenerator(resolved), model)
            : TextEmbedder.ForLocal(ModelFactory.OpenSentenceEmbedder(resolved, threads));
    }

    /// <summary>Loads <c>--model</c> as a Transformer model (not word vectors).</summary>
    public SentenceEmbedder Load(ParseResult parse, CliContext context)
    {
        var threads = ThreadCount(parse);
        return ModelFactory.OpenSentenceEmbedder(ModelFactory.Resolve(parse.GetValue(Model), context), threads);
    }

    /// <summary><c>--threads</c>, checked.</summary>
    public int? ThreadCount(ParseResult parse)
    {
        var threads = parse.GetValue(Threads);
        return threads is < 1 ? throw new CliUsageException($"--threads {threads}: must be at least 1.") : threads;
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
