using System.Diagnostics;
using System.Threading.Channels;
using Qianru.Server.Http;

namespace Qianru.Server.Batching;

/// <summary>
/// One model's dynamic batching. Concurrent requests' sequences join one pool; the worker looks at the oldest
/// sequences, up to <c>maxBatchTokens</c> tokens, and runs the oldest one together with the sequences closest to it in
/// length (at most <c>modelBatchSize</c>), so that a model call pads little and nobody waits behind newer requests.
/// New requests join the pool between model calls. A request is answered when its last sequence is done.
/// At most <c>maxPending</c> requests are admitted at once; <see cref="TryEnqueue"/> refuses more, so the queue never
/// grows without bound.
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
        _embedder = embedder;
        _maxBatchTokens = maxBatchTokens;
        _maxPending = maxPending;
        _modelBatchSize = modelBatchSize;
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
        var pool = new List<Sequence>(); // in arrival order
        var picked = new List<Sequence>();
        while (true)
        {
            if (pool.Count == 0 && !await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                return;
            }

            while (reader.TryRead(out var item))
            {
                var state = new RequestState(item);
                for (var i = 0; i < item.Sequences.Count; i++)
                {
                    pool.Add(new Sequence(state, i));
                }
            }

            pool.RemoveAll(s => s.Request.Failed);
            if (pool.Count == 0)
            {
                continue;
            }

            Pick(pool, picked);
            Run(picked);
        }
    }

    /// <summary>The oldest sequence and those nearest to it in length with the same prompt, within the token window.</summary>
    private void Pick(List<Sequence> pool, List<Sequence> picked)
    {
        picked.Clear();
        var oldest = pool[0];
        var key = oldest.Request.Item.Key;
        var length = oldest.Ids.Length;
        var window = new List<Sequence>();
        var tokens = 0;
        foreach (var s in pool)
        {
            if (window.Count > 0 && tokens + s.Ids.Length > _maxBatchTokens)
            {
                break;
            }

            tokens += s.Ids.Length;
            if (s.Request.Item.Key == key)
            {
                window.Add(s);
            }
        }

        picked.AddRange(window.OrderBy(s => Math.Abs(s.Ids.Length - length)).ThenBy(s => s.Request.Order).Take(_modelBatchSize));
        foreach (var s in picked)
        {
            pool.Remove(s);
        }
    }

    private void Run(List<Sequence> picked)
    {
        var watch = Stopwatch.StartNew();
        var first = picked[0].Request.Item;
        try
        {
            var options = new EmbedOptions
            {
                Normalize = false,
                BatchSize = _modelBatchSize,
                PromptName = first.RawIds ? null : first.PromptName,
                Prompt = first.RawIds ? "" : null,
            };
            var vectors = _embedder.EncodeTokens([.. picked.Select(s => s.Ids)], options).Vectors;
            for (var i = 0; i < picked.Count; i++)
            {
                var request = picked[i].Request;
                request.Vectors[picked[i].Index] = vectors[i];
                if (--request.Remaining == 0)
                {
                    Interlocked.Decrement(ref _pending);
                    request.Item.Result.TrySetResult(request.Vectors);
                }
            }
        }
        catch (Exception e)
        {
            foreach (var request in picked.Select(s => s.Request).Distinct())
            {
                if (!request.Failed)
                {
                    request.Failed = true;
                    Interlocked.Decrement(ref _pending);
                    request.Item.Result.TrySetException(e);
                }
            }
        }

        _metrics.Batch(_embedder.Model.Id, picked.Count, picked.Sum(s => s.Ids.Length), watch.Elapsed.TotalSeconds);
    }

    private sealed class RequestState(WorkItem item)
    {
        private static long _next;

        public WorkItem Item { get; } = item;

        public long Order { get; } = Interlocked.Increment(ref _next);

        public float[][] Vectors { get; } = new float[item.Sequences.Count][];

        public int Remaining { get; set; } = item.Sequences.Count;

        public bool Failed { get; set; }
    }

    private sealed class Sequence(RequestState request, int index)
    {
        public RequestState Request { get; } = request;

        public int Index { get; } = index;

        public long[] Ids => Request.Item.Sequences[Index];
    }
}
