namespace Qianru.Collections;

/// <summary>How <see cref="VectorCollection"/> adds items.</summary>
public sealed class CollectionAddOptions
{
    /// <summary>The largest batch: 100,000 texts.</summary>
    public const int MaxBatchSize = 100_000;

    private readonly int _batchSize = 32;

    /// <summary>Texts embedded and committed together, one transaction each. Default 32; 1 to 100,000.</summary>
    public int BatchSize
    {
        get => _batchSize;
        init => _batchSize = value is >= 1 and <= MaxBatchSize ? value : throw new ArgumentOutOfRangeException(nameof(BatchSize), value, $"the batch size must be between 1 and {MaxBatchSize}");
    }

    /// <summary>What to do with an id already stored with other text or metadata. Default <see cref="ConflictPolicy.Replace"/>.</summary>
    public ConflictPolicy OnConflict { get; init; } = ConflictPolicy.Replace;
}
