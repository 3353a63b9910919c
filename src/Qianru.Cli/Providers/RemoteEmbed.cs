using System.CommandLine;
using Qianru.Cli.Embedding;
using Qianru.Cli.Infrastructure;

namespace Qianru.Cli.Providers;

/// <summary><c>qianru embed --provider openai</c>: texts to vectors through an OpenAI-compatible API.</summary>
internal static class RemoteEmbed
{
    public static Option<string> ProviderOption()
    {
        var provider = new Option<string>("--provider")
        {
            Description = "local: run --model here; openai: call an OpenAI-compatible API for model --model (OPENAI_API_KEY and OPENAI_BASE_URL from the environment or ./.env).",
            DefaultValueFactory = _ => "local",
        };
        provider.AcceptOnlyFromAmong("local", "openai");
        return provider;
    }

    public static int Run(ParseResult parse, CliContext context, ModelOptions model, IReadOnlyList<string> texts, int? dimensions, string format, string? file, CancellationToken cancel, bool localOnly)
    {
        if (localOnly)
        {
            throw new CliUsageException("--provider openai: --prompt, --prompt-name and --no-normalize work with local models only.");
        }

        using var generator = model.CreateGenerator(parse, context, "openai", dimensions);
        var vectors = generator.GenerateAsync(texts, cancellationToken: cancel).GetAwaiter().GetResult().Select(e => e.Vector.ToArray()).ToArray();
        VectorOutput.Write(format, file, context, texts, vectors);
        return ExitCodes.Success;
    }
}
