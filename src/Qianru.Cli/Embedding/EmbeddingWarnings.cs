namespace Qianru.Cli.Embedding;

/// <summary>The warnings a command prints after embedding: truncated texts and texts the model mostly cannot read.</summary>
internal static class EmbeddingWarnings
{
    public static void Write(TextWriter error, SentenceEmbedder embedder, EmbeddingBatch batch) =>
        Write(error, embedder.Model, batch.TruncatedCount, batch.MostlyUnknownCount, batch.Vectors.Count);

    public static void Write(TextWriter error, Qianru.Models.ModelInfo model, long truncated, long mostlyUnknown, long total)
    {
        if (truncated > 0)
        {
            error.WriteLine($"warning: {truncated} of {total} texts were longer than {model.MaxSequenceLength} tokens and were truncated (as sentence-transformers does).");
        }

        if (mostlyUnknown > 0)
        {
            error.WriteLine($"warning: {mostlyUnknown} of {total} texts are mostly [UNK] tokens for model {model.Id}: its vocabulary does not know most of their characters (e.g. Chinese), so their vectors carry little meaning. Use a model for that language, e.g. --model BAAI/bge-small-zh-v1.5.");
        }
    }
}
