namespace Qianru.Numerics;

/// <summary>
/// Splits <c>n</c> rows into chunks whose boundaries depend on <c>n</c> only, never on the core count, so
/// per-chunk partial sums reduced in chunk order give the same bits on every machine.
/// </summary>
internal static class ParallelChunks
{
    public static int ChunkSize(int n, int minimum = 1024) => Math.Max(minimum, (n + 63) / 64);

    public static int Count(int n, int chunkSize) => (n + chunkSize - 1) / chunkSize;

    /// <summary>
    /// Runs <paramref name="body"/>(chunk, start, end) for every chunk, on all cores. When
    /// <paramref name="cancellationToken"/> is cancelled no further chunk starts (bodies may stop early too: their
    /// partial results are discarded) and <see cref="OperationCanceledException"/> is thrown.
    /// </summary>
    public static void For(int n, int chunkSize, Action<int, int, int> body, int? maxDegreeOfParallelism = null, CancellationToken cancellationToken = default)
    {
        var count = Count(n, chunkSize);
        if (count <= 1 || maxDegreeOfParallelism == 1)
        {
            for (var c = 0; c < count; c++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                body(c, c * chunkSize, Math.Min(n, (c + 1) * chunkSize));
            }

            cancellationToken.ThrowIfCancellationRequested();
            return;
        }

        var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism ?? -1, CancellationToken = cancellationToken };
        Parallel.For(0, count, options, c => body(c, c * chunkSize, Math.Min(n, (c + 1) * chunkSize)));
        cancellationToken.ThrowIfCancellationRequested();
    }
}
