using System.Diagnostics;
using System.Threading.Channels;
using Qianru.Server.Http;

namespace Qianru.Server.Batching;

/// <summary>
/// One model's dynamic batching: concurrent requests are gathered into batches of at most
/// <c>maxBatchTokens</c> tokens and run through the engine together (which sorts them by length); results are split
/// back per request. At most <c>maxPending</c> requests are admitted at once; <see cref="TryEnqueue"/> refuses more,
/// so the queue never grows without bound.
/// </summary>
internal sealed class BatchQueue
{
    private readonly SentenceEmbedder _embedder;
    private readonly int _maxBatchTokens;
    private readonly int _maxPending;
    private readonly int _modelBatchSize;
    private readonly ServerMetrics _metrics;
    private readonly Channel<WorkItem> _channel = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _worker;
    private int _pending;

    public BatchQueue(SentenceEmbedder embedder, int maxBatchTokens, int maxPending, int modelBatchSize, ServerMetrics metrics)
    {
        _modelBatchSize = modelBatchSize;
        _embedder = embedder;
        _maxBatchTokens = maxBatchTokens;
        _maxPending = maxPending;
        _metrics = metrics;
        _worker = Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    public SentenceEmbedder Embedder => _embedder;

    /// <summary>Requests admitted and not yet answered.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Admits a request, or returns false at once when <c>maxPending</c> requests are already admitted or the queue is closed.</summary>
    public bool TryEnqueue(WorkItem item)
    {
        if (Interlocked.Increment(ref _pending) > _maxPending)
        {
            Interlocked.Decrement(ref _pending);
            return false;
        }

        if (!_channel.Writer.TryWrite(item))
        {
            Interlocked.Decrement(ref _pending);
            return false;
        }

        return true;
    }

    /// <summary>Stops admitting; the worker finishes what is queued, then the returned task completes.</summary>
    public Task CompleteAsync()
    {
        _channel.Writer.TryComplete();
        return _worker;
    }

    private async Task RunAsync()
    {
        var reader = _channel.Reader;
        var items = new List<WorkItem>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            items.Clear();
            var tokens = 0;
            while (reader.TryPeek(out var next) && (items.Count == 0 || tokens + next.Tokens <= _maxBatchTokens))
            {
                reader.TryRead(out next);
                items.Add(next!);
                tokens += next!.Tokens;
            }

            var watch = Stopwatch.StartNew();
            var inputs = 0;
            foreach (var group in items.GroupBy(i => i.Key))
            {
                Run([.. group]);
                inputs += group.Sum(i => i.Sequences.Count);
            }

            _metrics.Batch(_embedder.Model.Id, inputs, tokens, watch.Elapsed.TotalSeconds);
        }
    }

    private void Run(List<WorkItem> group)
    {
        try
        {
            var sequences = new List<long[]>();
            foreach (var item in group)
            {
                sequences.AddRange(item.Sequences);
            }

            var options = new EmbedOptions
            {
                Normalize = false,
                BatchSize = _modelBatchSize,
                PromptName = group[0].RawIds ? null : group[0].PromptName,
                Prompt = group[0].RawIds ? "" : null,
            };
            var vectors = _embedder.EncodeTokens(sequences, options).Vectors;
            var offset = 0;
            foreach (var item in group)
            {
                var mine = new float[item.Sequences.Count][];
                for (var i = 0; i < mine.Length; i++)
                {
                    mine[i] = vectors[offset + i];
                }

                offset += mine.Length;
                Finish(item, () => item.Result.TrySetResult(mine));
            }
        }
        catch (Exception e)
        {
            foreach (var item in group)
            {
                Finish(item, () => item.Result.TrySetException(e));
            }
        }
    }

    private void Finish(WorkItem item, Action complete)
    {
        if (!item.Result.Task.IsCompleted)
        {
            Interlocked.Decrement(ref _pending);
            complete();
        }
    }
}
