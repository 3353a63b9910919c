namespace Qianru.WordVectors;

/// <summary>Settings of <see cref="WordVectorSentenceEmbedder"/>.</summary>
public sealed class WordVectorSentenceEmbedderOptions
{
    private readonly double _sifA = 1e-3;

    /// <summary>Mean or SIF (default).</summary>
    public SentencePooling Pooling { get; init; } = SentencePooling.Sif;

    /// <summary>SIF's smoothing constant a; default 1e-3.</summary>
    public double SifA { get => _sifA; init => _sifA = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(SifA), value, "a must be positive"); }

    /// <summary>SIF: remove the projection on the first principal component; default true.</summary>
    public bool RemovePrincipalComponent { get; init; } = true;

    /// <summary>Scale sentence vectors to unit length; default true (so dot product is cosine).</summary>
    public bool Normalize { get; init; } = true;

    /// <summary>Tokenization of the texts: "auto" (default: jieba for texts with Han characters, else lower-cased words), "en" or "zh".</summary>
    public string Language { get; init; } = "auto";
}
