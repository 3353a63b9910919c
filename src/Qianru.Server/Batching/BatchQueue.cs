using System.Diagnostics;
using System.Threading.Channels;
using Qianru.Inference;
using Qianru.Server.Http;

namespace Qianru.Server.Batching;

/// <summary>
/// One model's dynamic batching. Concurrent requests' sequences join one pool; before each model call the worker
/// drops the sequences of requests whose clients went away, looks at the oldest waiting sequences (up to
/// <see cref="QianruServerOptions.MaxBatchTokens"/> tokens), and builds the call once, in its final form: the oldest
/// sequence with those closest to it in length, at most <see cref="QianruServerOptions.ModelBatchSize"/> sequences
/// and <see cref="QianruServerOptions.MaxBatchTokens"/> tokens with padding. The call runs as built
/// (<see cref="SentenceEmbedder.EncodeBatch"/>: no second validation, sorting or splitting), and each vector is
/// finished for its request (<see cref="Pooling.Finish(ReadOnlySpan{float}, int, bool)"/>). A request is answered when its last sequence is done.
/// At most <see cref="QianruServerOptions.MaxConcurrentRequests"/> requests are admitted at once (embedding and
/// <c>/tokenize</c> alike); <see cref="TryAdmit"/> refuses more, so the queue never grows without bound.
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

    public BatchQueue(SentenceEmbedder embedder, QianruServerOptions options, ServerMetrics metrics)
    {
        _embedder = embedder;
        _maxBatchTokens = options.MaxBatchTokens;
        _maxPending = options.MaxConcurrentRequests;
        _modelBatchSize = options.ModelBatchSize;
        _metrics = metrics;
        _worker = Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    public SentenceEmbedder Embedder => _embedder;

    /// <summary>Requests admitted and not yet answered (or dropped).</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Takes one of the <c>maxPending</c> admissions, or returns false at once when all are taken.</summary>
    public bool TryAdmit()
    {
        if (Interlocked.Increment(ref _pending) > _maxPending)
        {
            Interlocked.Decrement(ref _pending);
            return false;
        }

        return true;
    }

    /// <summary>Gives back an admission taken with <see cref="TryAdmit"/> for work done outside the queue (<c>/tokenize</c>).</summary>
    public void Release() => Interlocked.Decrement(ref _pending);

    /// <summary>Admits and queues a request, or returns false at once when <c>maxPending</c> requests are already admitted or the queue is closed.</summary>
    public bool TryEnqueue(WorkItem item)
    {
        if (!TryAdmit())
        {
            return false;
        }

        if (!_channel.Writer.TryWrite(item))
        {
            Release();
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
        var requests = new List<RequestState>(); // the requests with sequences in the pool
        var picked = new List<Sequence>();
        var pooled = new float[_modelBatchSize * _embedder.Model.Dimensions];
        while (true)
        {
            if (pool.Count == 0 && !await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                return;
            }

            while (reader.TryRead(out var item))
            {
                var state = new RequestState(item);
                requests.Add(state);
                for (var i = 0; i < item.Sequences.Count; i++)
                {
                    pool.Add(new Sequence(state, i));
                }
            }

            DropAbandoned(pool, requests);
            if (pool.Count == 0)
            {
                continue;
            }

            Pick(pool, picked);
            if (!Run(picked, pooled))
            {
                pool.RemoveAll(s => s.Request.Closed);
            }

            requests.RemoveAll(r => r.Closed);
        }
    }

    /// <summary>Drops the waiting sequences of every request whose client went away, and counts them in /metrics.</summary>
    private void DropAbandoned(List<Sequence> pool, List<RequestState> requests)
    {
        var dropped = false;
        foreach (var request in requests)
        {
            if (!request.Closed && request.Item.Aborted.IsCancellationRequested)
            {
                request.Closed = true;
                dropped = true;
                Interlocked.Decrement(ref _pending);
                _metrics.Dropped(_embedder.Model.Id, request.Remaining);
                request.Item.Result.TrySetCanceled(request.Item.Aborted);
            }
        }

        if (dropped)
        {
            pool.RemoveAll(s => s.Request.Closed);
            requests.RemoveAll(r => r.Closed);
        }
    }

    /// <summary>
    /// The model call, built once: the oldest sequence, then among the oldest waiting ones (up to the token window)
    /// with the same pooling, those nearest to it in length, while the call stays within the batch size and the
    /// padded token budget (the first sequence always runs, alone if it must).
    /// </summary>
    private void Pick(List<Sequence> pool, List<Sequence> picked)
    {
        picked.Clear();
        var oldest = pool[0];
        var skip = oldest.Request.Item.SkipFirst;
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
            if (s.Request.Item.SkipFirst == skip)
            {
                window.Add(s);
            }
        }

        var width = 0;
        foreach (var s in window.OrderBy(s => Math.Abs(s.Ids.Length - length)).ThenBy(s => s.Request.Order))
        {
            var wider = Math.Max(width, s.Ids.Length);
            if (picked.Count == _modelBatchSize || (picked.Count > 0 && (picked.Count + 1) * wider > _maxBatchTokens))
            {
                break;
            }

            picked.Add(s);
            width = wider;
        }

        foreach (var s in picked)
        {
            pool.Remove(s);
        }
    }

    /// <summary>Runs the call and hands out its vectors; false when it failed (its requests are then answered with the error).</summary>
    private bool Run(List<Sequence> picked, float[] pooled)
    {
        var watch = Stopwatch.StartNew();
        var failed = false;
        var dim = _embedder.Model.Dimensions;
        try
        {
            _embedder.EncodeBatch([.. picked.Select(s => s.Ids)], picked[0].Request.Item.SkipFirst, pooled);
            for (var i = 0; i < picked.Count; i++)
            {
                var request = picked[i].Request;
                var item = request.Item;
                request.Vectors[picked[i].Index] = Pooling.Finish(pooled.AsSpan(i * dim, dim), item.Dimensions ?? dim, item.Normalize);
                if (--request.Remaining == 0 && !request.Closed)
                {
                    request.Closed = true;
                    Interlocked.Decrement(ref _pending);
                    item.Result.TrySetResult(request.Vectors);
                }
            }
        }
        catch (Exception e)
        {
            foreach (var request in picked.Select(s => s.Request).Distinct())
            {
                if (!request.Closed)
                {
                    request.Closed = true;
                    Interlocked.Decrement(ref _pending);
                    request.Item.Result.TrySetException(e);
                }
            }

            failed = true;
        }

        _metrics.Batch(_embedder.Model.Id, picked.Count, picked.Sum(s => s.Ids.Length), picked.Count * picked.Max(s => s.Ids.Length), watch.Elapsed.TotalSeconds);
        return !failed;
    }

    private sealed class RequestState(WorkItem item)
    {
        private static long _next;

        public WorkItem Item { get; } = item;

        public long Order { get; } = Interlocked.Increment(ref _next);

        public float[][] Vectors { get; } = new float[item.Sequences.Count][];

        /// <summary>Sequences not yet run.</summary>
        public int Remaining { get; set; } = item.Sequences.Count;

        /// <summary>Answered, failed or dropped: its sequences left in the pool are skipped.</summary>
        public bool Closed { get; set; }
    }

    private sealed class Sequence(RequestState request, int index)
    {
        public RequestState Request { get; } = request;

        public int Index { get; } = index;

        public long[] Ids => Request.Item.Sequences[Index];
    }
}
