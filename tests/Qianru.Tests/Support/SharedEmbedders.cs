namespace Qianru.Tests.Support;

/// <summary>One loaded instance of each embedded model for the whole test run (loading takes about a second).</summary>
public static class SharedEmbedders
{
    private static readonly Lazy<SentenceEmbedder> LazyMiniLm = new(() => SentenceEmbedder.Create("minilm"));
    private static readonly Lazy<SentenceEmbedder> LazyArctic = new(() => SentenceEmbedder.Create("arctic-xs"));

    public static SentenceEmbedder MiniLm => LazyMiniLm.Value;

    public static SentenceEmbedder ArcticXs => LazyArctic.Value;
}
