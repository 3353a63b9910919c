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

    /// <summary>Vector length; default 100.</summary>
    public int Dimensions { get => _dimensions; init => _dimensions = Positive(value, nameof(Dimensions)); }

    /// <summary>Maximum distance between a word and its context words; each position uses a random window in 1..Window. Default 5.</summary>
    public int Window { get => _window; init => _window = Positive(value, nameof(Window)); }

    /// <summary>Words seen fewer times are dropped; default 5.</summary>
    public int MinCount { get => _minCount; init => _minCount = Positive(value, nameof(MinCount)); }

    /// <summary>Passes over the corpus; default 5.</summary>
    public int Epochs { get => _epochs; init => _epochs = Positive(value, nameof(Epochs)); }

    /// <summary>Negative samples per positive pair, drawn from the unigram distribution to the power 0.75; default 5.</summary>
    public int Negative { get => _negative; init => _negative = Positive(value, nameof(Negative)); }

    /// <summary>Frequent-word subsampling threshold (0 turns it off); default 1e-3.</summary>
    public double Sample { get => _sample; init => _sample = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(Sample), value, "sample must be 0 (off) or positive"); }

    /// <summary>Starting learning rate, decayed linearly to <see cref="MinAlpha"/> over all epochs; default 0.025.</summary>
    public double Alpha { get => _alpha; init => _alpha = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(Alpha), value, "alpha must be positive"); }

    /// <summary>Final learning rate; default 0.0001.</summary>
    public double MinAlpha { get => _minAlpha; init => _minAlpha = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(MinAlpha), value, "min alpha must be 0 or positive"); }

    /// <summary>Worker threads, updating the shared vectors without locks (Hogwild); default the processor count.</summary>
    public int Threads { get => _threads; init => _threads = Positive(value, nameof(Threads)); }

    /// <summary>Random seed of the initial vectors, windows, subsampling and negatives; default 1. With one thread the result is reproducible.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Learn fastText-style character n-gram vectors too, so words outside the vocabulary get vectors; default false.</summary>
    public bool Subwords { get; init; }

    /// <summary>Shortest character n-gram (with <see cref="Subwords"/>); default 3.</summary>
    public int MinN { get => _minN; init => _minN = Positive(value, nameof(MinN)); }

    /// <summary>Longest character n-gram (with <see cref="Subwords"/>); default 6.</summary>
    public int MaxN { get => _maxN; init => _maxN = Positive(value, nameof(MaxN)); }

    /// <summary>Hash buckets for n-grams (with <see cref="Subwords"/>); default 2,000,000 (fastText's).</summary>
    public int Bucket { get => _bucket; init => _bucket = Positive(value, nameof(Bucket)); }

    private static int Positive(int value, string name) =>
        value > 0 ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive number");
}
