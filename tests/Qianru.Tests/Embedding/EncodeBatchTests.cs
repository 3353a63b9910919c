using Qianru.Inference;
using Qianru.Tests.Support;

namespace Qianru.Tests.Embedding;

/// <summary>The server's path (one model call as built, then <see cref="Pooling.Finish(ReadOnlySpan{float}, int, bool)"/>) gives the library's vectors.</summary>
public sealed class EncodeBatchTests
{
    [Fact]
    public void OneCallAsBuiltGivesTheVectorsOfEncode()
    {
        var embedder = SharedEmbedders.MiniLm;
        string[] texts = ["short", "a somewhat longer sentence about the sea and the sky", "中文也可以", "", "Hello, world!"];
        var ids = texts.Select(t => embedder.Tokenize(t).Ids).ToArray();
        var dim = embedder.Model.Dimensions;
        var pooled = new float[ids.Length * dim];
        embedder.EncodeBatch(ids, embedder.PooledSkip(new EmbedOptions()), pooled);
        foreach (var (dims, normalize) in new[] { (dim, true), (dim, false), (16, true) })
        {
            var expected = embedder.Encode(texts, new EmbedOptions { Dimensions = dims, Normalize = normalize }).Vectors;
            for (var i = 0; i < texts.Length; i++)
            {
                var actual = Pooling.Finish(pooled.AsSpan(i * dim, dim), dims, normalize);
                Assert.True(Golden.MaxAbsDiff(expected[i], actual) <= 1e-5, $"text {i}, {dims} dims, normalize {normalize}");
            }
        }
    }

    [Fact]
    public void PooledSkipCountsAnExcludedPromptOnly()
    {
        var embedder = SharedEmbedders.MiniLm;
        Assert.Equal(0, embedder.PooledSkip(new EmbedOptions()));
        Assert.Equal(0, embedder.PooledSkip(new EmbedOptions { Prompt = "" }));
        Assert.Equal(embedder.Model.IncludePrompt ? 0 : 3, embedder.PooledSkip(new EmbedOptions { Prompt = "query: " }));
        Assert.Throws<QianruException>(() => embedder.PooledSkip(new EmbedOptions { PromptName = "nope" }));
    }
}
