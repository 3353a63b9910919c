using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Qianru.Server.Http;

/// <summary>Counters and histograms the server exposes at <c>GET /metrics</c> in the Prometheus text format. Thread-safe.</summary>
internal sealed class ServerMetrics
{
    private static readonly double[] DurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly double[] BatchBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

    private readonly ConcurrentDictionary<(string Path, int Status), long[]> _requests = new();
    private readonly ConcurrentDictionary<string, Histogram> _durations = new();
    private readonly ConcurrentDictionary<string, long[]> _tokens = new();
    private readonly ConcurrentDictionary<string, long[]> _rejected = new();
    private readonly ConcurrentDictionary<string, long[]> _dropped = new();
    private readonly Histogram _batchInputs = new(BatchBuckets);
    private readonly Histogram _batchTokens = new([64, 256, 1024, 4096, 16384, 65536]);
    private readonly Histogram _batchPaddedTokens = new([64, 256, 1024, 4096, 16384, 65536]);
    private readonly Histogram _batchSeconds = new(DurationBuckets);

    public Func<IEnumerable<(string Model, int Pending)>> QueueSizes { get; set; } = () => [];

    public void Request(string path, int status, double seconds)
    {
        Interlocked.Increment(ref _requests.GetOrAdd((path, status), _ => new long[1])[0]);
        _durations.GetOrAdd(path, _ => new Histogram(DurationBuckets)).Observe(seconds);
    }

    /// <summary>One model call: <paramref name="inputs"/> sequences of <paramref name="tokens"/> tokens, <paramref name="paddedTokens"/> with padding (inputs × the longest).</summary>
    public void Batch(string model, int inputs, int tokens, int paddedTokens, double seconds)
    {
        _batchInputs.Observe(inputs);
        _batchTokens.Observe(tokens);
        _batchPaddedTokens.Observe(paddedTokens);
        _batchSeconds.Observe(seconds);
        Interlocked.Add(ref _tokens.GetOrAdd(model, _ => new long[1])[0], tokens);
    }

    public void Rejected(string model) => Interlocked.Increment(ref _rejected.GetOrAdd(model, _ => new long[1])[0]);

    /// <summary>A request whose client went away was dropped with <paramref name="sequences"/> sequences not run.</summary>
    public void Dropped(string model, int sequences)
    {
        var counts = _dropped.GetOrAdd(model, _ => new long[2]);
        Interlocked.Increment(ref counts[0]);
        Interlocked.Add(ref counts[1], sequences);
    }

    public string Render()
    {
        var text = new StringBuilder();
        text.Append("# HELP qianru_requests_total HTTP requests by path and status.\n# TYPE qianru_requests_total counter\n");
        foreach (var ((path, status), count) in _requests.OrderBy(p => p.Key.Path, StringComparer.Ordinal).ThenBy(p => p.Key.Status))
        {
            text.Append(Inv($"qianru_requests_total{{path=\"{path}\",status=\"{status}\"}} {Volatile.Read(ref count[0])}\n"));
        }

        text.Append("# HELP qianru_request_duration_seconds HTTP request durations by path.\n# TYPE qianru_request_duration_seconds histogram\n");
        foreach (var (path, histogram) in _durations.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            histogram.Render(text, "qianru_request_duration_seconds", $"path=\"{path}\"");
        }

        text.Append("# HELP qianru_queue_size Embedding and /tokenize requests admitted and not yet answered, by model.\n# TYPE qianru_queue_size gauge\n");
        foreach (var (model, pending) in QueueSizes())
        {
            text.Append(Inv($"qianru_queue_size{{model=\"{model}\"}} {pending}\n"));
        }

        text.Append("# HELP qianru_rejected_total Requests answered 429 because the queue was full.\n# TYPE qianru_rejected_total counter\n");
        foreach (var (model, count) in _rejected)
        {
            text.Append(Inv($"qianru_rejected_total{{model=\"{model}\"}} {Volatile.Read(ref count[0])}\n"));
        }

        text.Append("# HELP qianru_dropped_requests_total Requests dropped from the queue because their client went away before they were answered.\n# TYPE qianru_dropped_requests_total counter\n");
        var models = QueueSizes().Select(q => q.Model).Union(_dropped.Keys).ToArray();
        foreach (var model in models)
        {
            text.Append(Inv($"qianru_dropped_requests_total{{model=\"{model}\"}} {(_dropped.TryGetValue(model, out var c) ? Volatile.Read(ref c[0]) : 0)}\n"));
        }

        text.Append("# HELP qianru_dropped_sequences_total Sequences of dropped requests that never reached the model.\n# TYPE qianru_dropped_sequences_total counter\n");
        foreach (var model in models)
        {
            text.Append(Inv($"qianru_dropped_sequences_total{{model=\"{model}\"}} {(_dropped.TryGetValue(model, out var c) ? Volatile.Read(ref c[1]) : 0)}\n"));
        }

        text.Append("# HELP qianru_tokens_total Tokens embedded, special tokens included, by model.\n# TYPE qianru_tokens_total counter\n");
        foreach (var (model, count) in _tokens)
        {
            text.Append(Inv($"qianru_tokens_total{{model=\"{model}\"}} {Volatile.Read(ref count[0])}\n"));
        }

        text.Append("# HELP qianru_batch_inputs Sequences per model call.\n# TYPE qianru_batch_inputs histogram\n");
        _batchInputs.Render(text, "qianru_batch_inputs", null);
        text.Append("# HELP qianru_batch_tokens Tokens per model call.\n# TYPE qianru_batch_tokens histogram\n");
        _batchTokens.Render(text, "qianru_batch_tokens", null);
        text.Append("# HELP qianru_batch_padded_tokens Tokens per model call with padding (sequences times the longest), at most --max-batch-tokens unless one sequence is longer.\n# TYPE qianru_batch_padded_tokens histogram\n");
        _batchPaddedTokens.Render(text, "qianru_batch_padded_tokens", null);
        text.Append("# HELP qianru_batch_duration_seconds Model time per model call.\n# TYPE qianru_batch_duration_seconds histogram\n");
        _batchSeconds.Render(text, "qianru_batch_duration_seconds", null);
        return text.ToString();
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private sealed class Histogram(double[] bounds)
    {
        private readonly long[] _counts = new long[bounds.Length + 1];
        private readonly Lock _lock = new();
        private double _sum;

        public void Observe(double value)
        {
            var i = 0;
            while (i < bounds.Length && value > bounds[i])
            {
                i++;
            }

            lock (_lock)
            {
                _counts[i]++;
                _sum += value;
            }
        }

        public void Render(StringBuilder text, string name, string? labels)
        {
            long[] counts;
            double sum;
            lock (_lock)
            {
                counts = (long[])_counts.Clone();
                sum = _sum;
            }

            var prefix = labels is null ? "" : labels + ",";
            long cumulative = 0;
            for (var i = 0; i < bounds.Length; i++)
            {
                cumulative += counts[i];
                text.Append(Inv($"{name}_bucket{{{prefix}le=\"{bounds[i]}\"}} {cumulative}\n"));
            }

            cumulative += counts[^1];
            text.Append(Inv($"{name}_bucket{{{prefix}le=\"+Inf\"}} {cumulative}\n"));
            var braces = labels is null ? "" : "{" + labels + "}";
            text.Append(Inv($"{name}_sum{braces} {sum}\n"));
            text.Append(Inv($"{name}_count{braces} {cumulative}\n"));
        }
    }
}
