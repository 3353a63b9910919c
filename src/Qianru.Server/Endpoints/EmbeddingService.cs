using Qianru.Server.Batching;
using Qianru.Server.Http;
using Qianru.Tokenization;

namespace Qianru.Server.Endpoints;

/// <summary>What every embedding endpoint shares: the models served, validation and tokenization, admission, the queues.</summary>
internal sealed class EmbeddingService
{
    private readonly Dictionary<string, BatchQueue> _queues = new(StringComparer.Ordinal);
    private readonly List<BatchQueue> _ordered = [];
    private readonly ServerMetrics _metrics;
    private volatile bool _closing;

    public EmbeddingService(IReadOnlyList<SentenceEmbedder> models, QianruServerOptions options, ServerMetrics metrics)
    {
        Options = options;
        _metrics = metrics;
        if (models.Count == 0)
        {
            throw new ArgumentException("Give at least one model to serve.", nameof(models));
        }

        foreach (var model in models)
        {
            if (_queues.ContainsKey(model.Model.Id))
            {
                throw new ArgumentException($"Two models are named '{model.Model.Id}'; model ids must be unique.", nameof(models));
            }

            _queues.Add(model.Model.Id, null!);
        }

        foreach (var model in models)
        {
            var queue = new BatchQueue(model, options, metrics);
            _queues[model.Model.Id] = queue;
            _ordered.Add(queue);
        }

        metrics.QueueSizes = () => _ordered.Select(q => (q.Embedder.Model.Id, q.Pending));
    }

    public QianruServerOptions Options { get; }

    public IReadOnlyList<BatchQueue> Queues => _ordered;

    /// <summary>The model a request names, or the first model when it names none.</summary>
    public BatchQueue Find(string? modelId, string param = "model")
    {
        if (modelId is null)
        {
            return _ordered[0];
        }

        return _queues.TryGetValue(modelId, out var queue)
            ? queue
            : throw ApiException.NotFound($"The model '{modelId}' does not exist on this server; it serves: {string.Join(", ", _queues.Keys)}.", param, "model_not_found");
    }

    public static int? CheckDimensions(BatchQueue queue, int? dimensions, string param = "dimensions")
    {
        var max = queue.Embedder.Model.Dimensions;
        if (dimensions is { } d && (d < 1 || d > max))
        {
            throw ApiException.BadRequest($"'{param}' is {d}; model {queue.Embedder.Model.Id} takes 1 to {max}.", param);
        }

        return dimensions;
    }

    /// <summary>
    /// Tokenizes the inputs to <c>[CLS] … [SEP]</c> sequences, ready for the model. A sequence longer than the model's
    /// maximum is refused with 413 naming the input, unless <paramref name="truncate"/>; then it is cut from the right
    /// or the left (<see cref="EmbeddingTokenizer.Truncate"/>).
    /// </summary>
    public List<long[]> Tokenize(BatchQueue queue, ParsedInputs inputs, string param, bool? truncate, bool left, string? promptName)
    {
        var embedder = queue.Embedder;
        var max = embedder.Model.MaxSequenceLength;
        var cut = truncate ?? Options.AutoTruncate;
        var sequences = new List<long[]>(inputs.Count);
        if (inputs.Texts is { } texts)
        {
            var options = PromptOptions(promptName);
            for (var i = 0; i < texts.Count; i++)
            {
                long[] ids;
                try
                {
                    ids = embedder.TokenizeUntruncated(texts[i], options).Ids;
                }
                catch (QianruException e)
                {
                    throw ApiException.BadRequest($"'prompt_name': {e.Message}", "prompt_name");
                }

                sequences.Add(Fit(ids, i));
            }

            return sequences;
        }

        var tokenizer = embedder.Tokenizer;
        for (var i = 0; i < inputs.TokenIds!.Count; i++)
        {
            var given = inputs.TokenIds[i];
            var ids = new long[given.Length + 2];
            ids[0] = tokenizer.ClassificationId;
            ids[^1] = tokenizer.SeparatorId;
            for (var j = 0; j < given.Length; j++)
            {
                ids[j + 1] = given[j] < tokenizer.VocabularySize
                    ? given[j]
                    : throw ApiException.BadRequest($"'{param}' holds token id {given[j]} at [{i}][{j}]; model {embedder.Model.Id} has ids 0 to {tokenizer.VocabularySize - 1}.", param);
            }

            sequences.Add(Fit(ids, i));
        }

        return sequences;

        long[] Fit(long[] ids, int index)
        {
            if (ids.Length > max && !cut)
            {
                throw ApiException.TooLarge(
                    $"Input {index} of '{param}' has {ids.Length} tokens; model {embedder.Model.Id} takes at most {max} (special tokens included). Shorten it, or ask for truncation ('truncate': true, or start the server with --auto-truncate).",
                    param,
                    "context_length_exceeded");
            }

            return EmbeddingTokenizer.Truncate(ids, max, fromStart: left);
        }
    }

    /// <summary>
    /// Queues the sequences with concurrent requests' and returns their vectors: the first <paramref name="dimensions"/>
    /// values, L2-normalized when <paramref name="normalize"/>. When the client goes away (<paramref name="aborted"/>),
    /// the queue drops what it has not run yet.
    /// </summary>
    /// <param name="queue">The model's queue.</param>
    /// <param name="sequences">From <see cref="Tokenize"/>.</param>
    /// <param name="promptName">The prompt the texts were tokenized with; ignored for token-id inputs.</param>
    /// <param name="rawIds">True when the client sent token ids (no prompt at all).</param>
    /// <param name="dimensions">Keep this many values (null = all).</param>
    /// <param name="normalize">L2-normalize.</param>
    /// <param name="aborted">The request's abort signal.</param>
    public async Task<float[][]> EmbedAsync(BatchQueue queue, List<long[]> sequences, string? promptName, bool rawIds, int? dimensions, bool normalize, CancellationToken aborted)
    {
        if (_closing)
        {
            throw ApiException.Unavailable("The server is shutting down.");
        }

        aborted.ThrowIfCancellationRequested();
        var skip = queue.Embedder.PooledSkip(rawIds ? new EmbedOptions { Prompt = "" } : PromptOptions(promptName) ?? EmbedOptions.Default);
        var item = new WorkItem(sequences, skip, dimensions, normalize, aborted);
        if (!queue.TryEnqueue(item))
        {
            throw Refused(queue);
        }

        return await item.Result.Task.WaitAsync(aborted).ConfigureAwait(false);
    }

    /// <summary>Takes one admission of the model's limit for work outside the queue (<c>/tokenize</c>); dispose to give it back. 429 when the limit is reached.</summary>
    public Admission Admit(BatchQueue queue)
    {
        if (_closing || !queue.TryAdmit())
        {
            throw Refused(queue);
        }

        return new Admission(queue);
    }

    /// <summary>Stops admitting requests and lets the queues finish what they hold.</summary>
    public Task CompleteAsync()
    {
        _closing = true;
        return Task.WhenAll(_ordered.Select(q => q.CompleteAsync()));
    }

    private static EmbedOptions? PromptOptions(string? promptName) => promptName is null ? null : new EmbedOptions { PromptName = promptName };

    private ApiException Refused(BatchQueue queue)
    {
        if (_closing)
        {
            return ApiException.Unavailable("The server is shutting down.");
        }

        _metrics.Rejected(queue.Embedder.Model.Id);
        return ApiException.Overloaded($"The server is at its limit of {Options.MaxConcurrentRequests} concurrent requests for model {queue.Embedder.Model.Id}; retry after {Options.RetryAfterSeconds} s.");
    }

    /// <summary>One admission taken by <see cref="Admit"/>.</summary>
    public readonly struct Admission(BatchQueue queue) : IDisposable
    {
        public void Dispose() => queue.Release();
    }
}
