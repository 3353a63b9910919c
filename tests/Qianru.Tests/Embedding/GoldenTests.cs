using Qianru.Tests.Support;

namespace Qianru.Tests.Embedding;

/// <summary>The library against sentence-transformers' reference ids and vectors (Fixtures/golden/minilm_dev.json).</summary>
public sealed class GoldenTests
{
    [Theory]
    [MemberData(nameof(Golden.Indexes), MemberType = typeof(Golden))]
    public void Token_ids_match_the_reference_exactly(int index)
    {
        var item = Golden.Items[index];
        var tokenized = SharedEmbedders.MiniLm.Tokenize(item.Text);
        Assert.Equal(item.TokenIds, tokenized.Ids);
        Assert.Equal(item.Tokens, SharedEmbedders.MiniLm.Tokenizer.GetTokens(tokenized.Ids));
    }

    [Theory]
    [MemberData(nameof(Golden.Indexes), MemberType = typeof(Golden))]
    public void Vectors_match_the_reference(int index)
    {
        var item = Golden.Items[index];
        var vector = SharedEmbedders.MiniLm.Embed(item.Text);
        Assert.True(Golden.Cosine(vector, item.Embedding) >= 0.9999, $"cosine {Golden.Cosine(vector, item.Embedding)}");
        Assert.True(Golden.MaxAbsDiff(vector, item.Embedding) <= 1e-4, $"max |Δ| {Golden.MaxAbsDiff(vector, item.Embedding)}");
    }

    [Fact]
    public void All_golden_texts_in_one_batch_match_the_reference()
    {
        var vectors = SharedEmbedders.MiniLm.EmbedBatch([.. Golden.Items.Select(i => i.Text)]);
        for (var i = 0; i < vectors.Length; i++)
        {
            Assert.True(Golden.Cosine(vectors[i], Golden.Items[i].Embedding) >= 0.9999, $"item {i}");
            Assert.True(Golden.MaxAbsDiff(vectors[i], Golden.Items[i].Embedding) <= 1e-4, $"item {i}");
        }
    }
}
