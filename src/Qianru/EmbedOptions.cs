namespace Qianru;

/// <summary>Options for one embedding call. <see langword="null"/> means the model's own default.</summary>
public sealed class EmbedOptions
{
    /// <summary>L2-normalize the vectors. Default: the model's setting (a Normalize module).</summary>
    public bool? Normalize { get; init; }

    /// <summary>A prompt text put before each text, e.g. the BGE-zh query instruction "为这个句子生成表示以用于检索相关文章：".</summary>
    public string? Prompt { get; init; }

    /// <summary>The name of one of the model's prompts (e.g. <c>query</c>); ignored when <see cref="Prompt"/> is set.</summary>
    public string? PromptName { get; init; }

    /// <summary>Keep only the first this many dimensions (Matryoshka), then re-normalize when normalizing.</summary>
    public int? Dimensions
    {
        get;
        init => field = value is null or > 0 ? value : throw new ArgumentOutOfRangeException(nameof(Dimensions), value, "Dimensions must be at least 1.");
    }

    /// <summary>The largest <see cref="BatchSize"/>: 4096.</summary>
    public const int MaxBatchSize = 4096;

    /// <summary>The most texts in one model call, 1 to <see cref="MaxBatchSize"/>; texts are sorted by token count first. Default: 32.</summary>
    public int BatchSize
    {
        get;
        init => field = value is > 0 and <= MaxBatchSize ? value : throw new ArgumentOutOfRangeException(nameof(BatchSize), value, $"BatchSize must be 1 to {MaxBatchSize}.");
    } = 32;

    internal static EmbedOptions Default { get; } = new();
}
