using System.CommandLine;
using Qianru.Cli.Infrastructure;

namespace Qianru.Cli.Providers;

/// <summary><c>--provider local|openai</c>: run the model here, or call an OpenAI-compatible API.</summary>
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
}
