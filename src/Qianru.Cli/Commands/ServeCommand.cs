using System.CommandLine;
using Qianru.Cli.Infrastructure;
using Qianru.Server;

namespace Qianru.Cli.Commands;

/// <summary><c>qianru serve</c>: an OpenAI- and text-embeddings-inference-compatible embedding server.</summary>
internal sealed class ServeCommand : ICliCommand
{
    /// <summary>The environment variable read when <c>--api-key</c> is not given.</summary>
    public const string ApiKeyVariable = "QIANRU_API_KEY";

    public Command Build(CliContext context)
    {
        var defaults = new QianruServerOptions();
        var models = new Option<string[]>("--model", "-m")
        {
            Description = "A model to serve: an embedded id (minilm, arctic-xs), a model folder or a Hugging Face model id ORG/NAME[@REVISION] (from the Hugging Face cache, downloaded on first use); repeat to serve several (the first is the default). Clients name it by its id, folder name or Hugging Face id.",
            DefaultValueFactory = _ => [Qianru.Models.EmbeddedModels.DefaultId],
        };
        var host = new Option<string>("--host") { Description = "The address to bind: 127.0.0.1 (loopback only), 0.0.0.0 (every interface) or an IP.", DefaultValueFactory = _ => defaults.Host };
        var port = new Option<int>("--port", "-p") { Description = "The TCP port (0 = any free port).", DefaultValueFactory = _ => defaults.Port };
        var maxBatchTokens = new Option<int>("--max-batch-tokens") { Description = "The most tokens one dynamic batch gathers from concurrent requests.", DefaultValueFactory = _ => defaults.MaxBatchTokens };
        var maxConcurrent = new Option<int>("--max-concurrent-requests") { Description = "Requests admitted at once per model; more get 429 with Retry-After.", DefaultValueFactory = _ => defaults.MaxConcurrentRequests };
        var maxClientBatch = new Option<int>("--max-client-batch-size") { Description = "The most inputs in one request; more get 413.", DefaultValueFactory = _ => defaults.MaxClientBatchSize };
        var maxBytes = new Option<long>("--max-request-bytes") { Description = "The largest request body; larger get 413.", DefaultValueFactory = _ => defaults.MaxRequestBodyBytes };
        var autoTruncate = new Option<bool>("--auto-truncate") { Description = "Truncate inputs longer than the model's maximum instead of answering 413." };
        var apiKey = new Option<string?>("--api-key") { Description = $"Require 'Authorization: Bearer KEY' (default: ${ApiKeyVariable} when set)." };
        var threads = new Option<int?>("--threads") { Description = "ONNX Runtime threads per model (default: all processors)." };

        var command = new Command("serve", "Serve embeddings over HTTP: OpenAI /v1/embeddings, TEI /embed /similarity /tokenize, /metrics and a playground at /.");
        foreach (var o in new Option[] { models, host, port, maxBatchTokens, maxConcurrent, maxClientBatch, maxBytes, autoTruncate, apiKey, threads })
        {
            command.Options.Add(o);
        }

        command.SetAction(async (parse, cancel) =>
        {
            QianruServerOptions options;
            try
            {
                options = new QianruServerOptions
                {
                    Host = parse.GetValue(host)!,
                    Port = parse.GetValue(port),
                    MaxBatchTokens = parse.GetValue(maxBatchTokens),
                    MaxConcurrentRequests = parse.GetValue(maxConcurrent),
                    MaxClientBatchSize = parse.GetValue(maxClientBatch),
                    MaxRequestBodyBytes = parse.GetValue(maxBytes),
                    AutoTruncate = parse.GetValue(autoTruncate),
                    ApiKey = parse.GetValue(apiKey) ?? (Environment.GetEnvironmentVariable(ApiKeyVariable) is { Length: > 0 } k ? k : null),
                };
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw new CliUsageException($"{OptionName(e.ParamName)} {e.ActualValue}: {e.Message.Split(" (Parameter")[0]}");
            }

            var threadCount = parse.GetValue(threads);
            if (threadCount is < 1)
            {
                throw new CliUsageException($"--threads {threadCount}: must be at least 1.");
            }

            var loaded = new List<SentenceEmbedder>();
            try
            {
                foreach (var model in parse.GetValue(models)!)
                {
                    loaded.Add(ModelFactory.OpenSentenceEmbedder(ModelFactory.Resolve(model, context, cancel), threadCount));
                }

                await using var server = await QianruServer.StartAsync(loaded, options, cancel);
                context.Error.WriteLine($"qianru: serving {string.Join(", ", server.ModelIds)} at {server.BaseAddress} (OpenAI base URL {new Uri(server.BaseAddress, "v1")}; playground {server.BaseAddress}){(options.ApiKey is null ? "" : "; API key required")}. Ctrl+C stops.");
                context.Error.Flush();
                try
                {
                    await server.WaitForShutdownAsync(cancel);
                }
                catch (OperationCanceledException)
                {
                }

                await server.StopAsync(CancellationToken.None);
                context.Error.WriteLine("qianru: stopped.");
                return ExitCodes.Success;
            }
            finally
            {
                foreach (var embedder in loaded)
                {
                    embedder.Dispose();
                }
            }
        });
        return command;
    }

    private static string OptionName(string? property) => property switch
    {
        nameof(QianruServerOptions.Port) => "--port",
        nameof(QianruServerOptions.MaxBatchTokens) => "--max-batch-tokens",
        nameof(QianruServerOptions.MaxConcurrentRequests) => "--max-concurrent-requests",
        nameof(QianruServerOptions.MaxClientBatchSize) => "--max-client-batch-size",
        nameof(QianruServerOptions.MaxRequestBodyBytes) => "--max-request-bytes",
        _ => "option",
    };
}
