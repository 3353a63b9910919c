namespace Qianru.Cli.Embedding;

/// <summary>The warnings a command prints after embedding: truncated texts and texts the model mostly cannot read.</summary>
internal static class EmbeddingWarnings
{
    public static void Write(TextWriter error, SentenceEmbedder embedder, EmbeddingBatch batch)
    {
        if (batch.TruncatedCount > 0)
        {
            error.WriteLine($"warning: {batch.TruncatedCount} of {batch.Vectors.Count} texts were longer than {embedder.Model.MaxSequenceLength} tokens and were truncated (as sentence-transformers does).");
        }

        if (batch.MostlyUnknownCount > 0)
        {
            error.WriteLine($"warning: {batch.MostlyUnknownCount} of {batch.Vectors.Count} texts are mostly [UNK] tokens for model {embedder.Model.Id}: its vocabulary does not know most of their characters (e.g. Chinese), so their vectors carry little meaning. Use a model for that language, e.g. --model BAAI/bge-small-zh-v1.5.");
        }
    }
}
