using Microsoft.Extensions.AI;

namespace Qianru.Providers;

/// <summary>Sends long input lists in requests of at most <c>batchSize</c> texts and joins the results in order.</summary>
internal sealed class ChunkedEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner, int batchSize)
    : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
{
    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var texts = values as IReadOnlyList<string> ?? [.. values];
        if (texts.Count <= batchSize)
        {
            return await base.GenerateAsync(texts, options, cancellationToken).ConfigureAwait(false);
        }

        var all = new GeneratedEmbeddings<Embedding<float>>(texts.Count);
        long inputTokens = 0, totalTokens = 0;
        for (var start = 0; start < texts.Count; start += batchSize)
        {
            var chunk = texts.Skip(start).Take(batchSize).ToArray();
            var result = await base.GenerateAsync(chunk, options, cancellationToken).ConfigureAwait(false);
            all.AddRange(result);
            inputTokens += result.Usage?.InputTokenCount ?? 0;
            totalTokens += result.Usage?.TotalTokenCount ?? 0;
        }

        all.Usage = new UsageDetails { InputTokenCount = inputTokens, TotalTokenCount = totalTokens };
        return all;
    }
}
