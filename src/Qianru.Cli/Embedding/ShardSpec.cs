using System.Globalization;

namespace Qianru.Cli.Embedding;

/// <summary>
/// <c>--shard I/N</c>: this process's part of the input, shard <see cref="Index"/> (counting from 0) of
/// <see cref="Count"/>. The input's windows are split into N contiguous runs, so the outputs of shards 0..N-1 put one
/// after another are the unsharded output.
/// </summary>
internal readonly record struct ShardSpec(int Index, int Count)
{
    /// <summary>The most shards: 100,000.</summary>
    public const int MaxCount = 100_000;

    public static ShardSpec Parse(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0
            && int.TryParse(text.AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            && int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            && count is >= 1 and <= MaxCount && index < count)
        {
            return new ShardSpec(index, count);
        }

        throw new Infrastructure.CliUsageException(
            $"--shard {text}: give I/N with N from 1 to {MaxCount} and I from 0 to N-1 (shards count from 0), e.g. --shard 0/4 … --shard 3/4.");
    }

    /// <summary>The windows [first, end) this shard embeds, of <paramref name="windows"/> in all.</summary>
    public (long First, long End) Windows(long windows) =>
        (windows * Index / Count, windows * (Index + 1) / Count);
}
