namespace Qianru.WordVectors;

/// <summary>How <see cref="KeyedVectors.Load(string, WordVectorLoadOptions?, CancellationToken)"/> reads a file.</summary>
public sealed class WordVectorLoadOptions
{
    private readonly int? _limit;

    /// <summary>The format; null (default) detects it from the magic bytes and the first lines.</summary>
    public WordVectorFormat? Format { get; init; }

    /// <summary>Read only the first N words (files are sorted by frequency, so these are the commonest); null (default) reads all.</summary>
    public int? Limit
    {
        get => _limit;
        init => _limit = value is null or > 0 ? value : throw new ArgumentOutOfRangeException(nameof(Limit), value, "the limit must be a positive number of words");
    }
}
