namespace Qianru;

/// <summary>How a <see cref="SentenceEmbedder"/> runs its model. <see langword="null"/> means the default.</summary>
public sealed class EmbedderOptions
{
    /// <summary>The largest <see cref="Threads"/>: 1024 (each thread has its own stack and scratch memory).</summary>
    public const int MaxThreads = 1024;

    /// <summary>ONNX Runtime intra-op threads, 1 to <see cref="MaxThreads"/>. Default: the number of processors.</summary>
    public int? Threads
    {
        get;
        init => field = value is null or (> 0 and <= MaxThreads) ? value : throw new ArgumentOutOfRangeException(nameof(Threads), value, $"Threads must be 1 to {MaxThreads}.");
    }

    /// <summary>
    /// The most tokens (padding included) in one model call; a batch closes when it would exceed this or reach the
    /// batch size. Default: 512 (small batches keep activations in cache; measured fastest on 2 cores).
    /// </summary>
    public int MaxBatchTokens
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxBatchTokens), value, "MaxBatchTokens must be at least 1.");
    } = 512;
}
