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
        var maxBatchTokens = new Option<int>("--max-batch-tokens") { Description = "The most tokens one model call holds, padding included (sequences x the longest).", DefaultValueFactory = _ => defaults.MaxBatchTokens };
        var maxConcurrent = new Option<int>("--max-concurrent-requests") { Description = "Embedding and /tokenize requests admitted at once per model; more get 429 with Retry-After.", DefaultValueFactory = _ => defaults.MaxConcurrentRequests };
        var maxClientBatch = new Option<int>("--max-client-batch-size") { Description = "The most inputs in one request; more get 413.", DefaultValueFactory = _ => defaults.MaxClientBatchSize };
        var maxBytes = new Option<long>("--max-request-bytes") { Description = "The largest request body; larger get 413.", DefaultValueFactory = _ => defaults.MaxRequestBodyBytes };
        var autoTruncate = new Option<bool>("--auto-truncate") { Description = "Truncate inputs longer than the model's maximum instead of answering 413." };
        var apiKey = new Option<string?>("--api-key") { Description = $"Require 'Authorization: Bearer KEY'. Prefer ${ApiKeyVariable}: an option shows in ps. An empty key is an error." };
        var allowedHosts = new Option<string[]>("--allowed-hosts")
        {
            Description = "Host names clients may use (Host header), comma-separated or repeated: names, IPs, *.domain or *. Default: the localhost names when bound to loopback, any otherwise.",
            AllowMultipleArgumentsPerToken = true,
        };
        var drainSeconds = new Option<double>("--drain-seconds") { Description = "On SIGTERM, keep the port open at least this long with /health answering 503 (and 503 to new requests) while requests in flight finish.", DefaultValueFactory = _ => defaults.DrainDelay.TotalSeconds };
        var threads = new Option<int?>("--threads") { Description = "ONNX Runtime threads per model (default: all processors)." };

        var command = new Command("serve", "Serve embeddings over HTTP: OpenAI /v1/embeddings, TEI /embed /similarity /tokenize, /metrics and a playground at /.");
        foreach (var o in new Option[] { models, host, port, maxBatchTokens, maxConcurrent, maxClientBatch, maxBytes, autoTruncate, apiKey, allowedHosts, drainSeconds, threads })
        {
            command.Options.Add(o);
        }

        command.SetAction(async (parse, cancel) =>
        {
            var drain = parse.GetValue(drainSeconds);
            if (!(drain is >= 0 and <= 3600))
            {
                throw new CliUsageException($"--drain-seconds {drain}: give 0 to 3600 seconds.");
            }

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
                    ApiKey = ApiKey(parse.GetValue(apiKey)),
                    AllowedHosts = AllowedHosts(parse.GetValue(allowedHosts)),
                    DrainDelay = TimeSpan.FromSeconds(drain),
                    ShutdownTimeout = TimeSpan.FromSeconds(30 + drain),
                };
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw new CliUsageException($"{OptionName(e.ParamName)} {e.ActualValue}: {e.Message.Split(" (Parameter")[0]}");
            }
            catch (ArgumentException e) when (e.ParamName == "entry")
            {
                throw new CliUsageException($"--allowed-hosts: {e.Message.Split(" (Parameter")[0]}");
            }

            var threadCount = parse.GetValue(threads);
            if (threadCount is < 1)
            {
                throw new CliUsageException($"--threads {threadCount}: must be at least 1.");
            }

            // The port is bound first and the models load behind it, so that /health can say 503 "loading" to a load
            // balancer; the line below is printed once they serve, as before.
            var specs = parse.GetValue(models)!.Select(m => ModelFactory.Resolve(m, context, cancel)).ToArray();
            var loaded = new List<SentenceEmbedder>();
            var loading = Task.Run(IReadOnlyList<SentenceEmbedder> () =>
            {
                foreach (var spec in specs)
                {
                    var embedder = ModelFactory.OpenSentenceEmbedder(spec, threadCount);
                    lock (loaded)
                    {
                        loaded.Add(embedder);
                    }
                }

                return loaded;
            });
            try
            {
                await using var server = await QianruServer.StartAsync(loading, options, cancel);
                await server.WhenReadyAsync(cancel);
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
                await Task.WhenAny(loading); // a model still loading is disposed too
                foreach (var embedder in loaded)
                {
                    embedder.Dispose();
                }
            }
        });
        return command;
    }

    /// <summary>--api-key, else $QIANRU_API_KEY; an empty key (often an unset variable) is an error, not "serve everyone".</summary>
    private static string? ApiKey(string? option)
    {
        var fromVariable = Environment.GetEnvironmentVariable(ApiKeyVariable);
        var (key, source) = option is not null ? (option, "--api-key") : (fromVariable, $"${ApiKeyVariable}");
        if (key is null)
        {
            return null;
        }

        if (key.Length == 0 || key.Trim().Length != key.Length)
        {
            throw new CliUsageException(key.Length == 0
                ? $"{source} is empty; give a key, or unset it to serve without one."
                : $"{source} starts or ends with whitespace; a client's 'Authorization: Bearer' header cannot carry it.");
        }

        return key;
    }

    private static string[]? AllowedHosts(string[]? given)
    {
        if (given is null || given.Length == 0)
        {
            return null;
        }

        return [.. given.SelectMany(g => g.Split(',', StringSplitOptions.TrimEntries))];
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
