namespace Qianru.WordVectors;

/// <summary>Training settings for <see cref="Word2VecTrainer"/>; the defaults are gensim's and fastText's.</summary>
public sealed class Word2VecOptions
{
    private readonly int _dimensions = 100;
    private readonly int _window = 5;
    private readonly int _minCount = 5;
    private readonly int _epochs = 5;
    private readonly int _negative = 5;
    private readonly double _sample = 1e-3;
    private readonly double _alpha = 0.025;
    private readonly double _minAlpha = 0.0001;
    private readonly int _threads = Math.Max(1, Environment.ProcessorCount);
    private readonly int _minN = 3;
    private readonly int _maxN = 6;
    private readonly int _bucket = 2_000_000;

    /// <summary>Skip-gram (default) or CBOW.</summary>
    public Word2VecArchitecture Architecture { get; init; } = Word2VecArchitecture.SkipGram;

    /// <summary>The largest <see cref="Dimensions"/>: 10,000.</summary>
    public const int MaxDimensions = 10_000;

    /// <summary>The largest <see cref="Bucket"/>: 100,000,000 (fastText's default is 2,000,000).</summary>
    public const int MaxBucket = 100_000_000;

    /// <summary>The largest <see cref="Threads"/>: 1024.</summary>
    public const int MaxThreads = 1024;

    /// <summary>Vector length, 1 to <see cref="MaxDimensions"/>; default 100.</summary>
    public int Dimensions { get => _dimensions; init => _dimensions = InRange(value, 1, MaxDimensions, nameof(Dimensions)); }

    /// <summary>Maximum distance between a word and its context words, 1 to 1000; each position uses a random window in 1..Window. Default 5.</summary>
    public int Window { get => _window; init => _window = InRange(value, 1, 1000, nameof(Window)); }

    /// <summary>Words seen fewer times are dropped; default 5.</summary>
    public int MinCount { get => _minCount; init => _minCount = Positive(value, nameof(MinCount)); }

    /// <summary>Passes over the corpus, 1 to 10,000; default 5.</summary>
    public int Epochs { get => _epochs; init => _epochs = InRange(value, 1, 10_000, nameof(Epochs)); }

    /// <summary>Negative samples per positive pair, 1 to 1000, drawn from the unigram distribution to the power 0.75; default 5.</summary>
    public int Negative { get => _negative; init => _negative = InRange(value, 1, 1000, nameof(Negative)); }

    /// <summary>Frequent-word subsampling threshold, 0 (off) to 1; default 1e-3.</summary>
    public double Sample { get => _sample; init => _sample = value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Sample), value, "sample must be 0 (off) to 1"); }

    /// <summary>Starting learning rate, above 0 up to 1, decayed linearly to <see cref="MinAlpha"/> over all epochs; default 0.025.</summary>
    public double Alpha { get => _alpha; init => _alpha = value is > 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Alpha), value, "alpha must be above 0, up to 1"); }

    /// <summary>Final learning rate, 0 to 1; default 0.0001.</summary>
    public double MinAlpha { get => _minAlpha; init => _minAlpha = value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MinAlpha), value, "min alpha must be 0 to 1"); }

    /// <summary>Worker threads, 1 to <see cref="MaxThreads"/>, updating the shared vectors without locks (Hogwild); default the processor count.</summary>
    public int Threads { get => _threads; init => _threads = InRange(value, 1, MaxThreads, nameof(Threads)); }

    /// <summary>Random seed of the initial vectors, windows, subsampling and negatives; default 1. With one thread the result is reproducible.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Learn fastText-style character n-gram vectors too, so words outside the vocabulary get vectors; default false.</summary>
    public bool Subwords { get; init; }

    /// <summary>Shortest character n-gram (with <see cref="Subwords"/>), 1 to 100; default 3.</summary>
    public int MinN { get => _minN; init => _minN = InRange(value, 1, 100, nameof(MinN)); }

    /// <summary>Longest character n-gram (with <see cref="Subwords"/>), 1 to 100; default 6.</summary>
    public int MaxN { get => _maxN; init => _maxN = InRange(value, 1, 100, nameof(MaxN)); }

    /// <summary>Hash buckets for n-grams (with <see cref="Subwords"/>), 1 to <see cref="MaxBucket"/>; default 2,000,000 (fastText's).</summary>
    public int Bucket { get => _bucket; init => _bucket = InRange(value, 1, MaxBucket, nameof(Bucket)); }

    private static int Positive(int value, string name) =>
        value > 0 ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive number");

    private static int InRange(int value, int min, int max, string name) =>
        value >= min && value <= max ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be {min} to {max}");
}
