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
}
