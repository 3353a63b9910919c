using Qianru.Tests.Support;
using Qianru.Tokenization;

namespace Qianru.Tests.Tokenization;

/// <summary>The one truncation (both ends' special tokens kept; from the end or the start) and the one-pass code-point map.</summary>
public sealed class TruncateAndOffsetsTests
{
    [Fact]
    public void TruncateKeepsTheSpecialTokensAtBothEnds()
    {
        long[] ids = [101, 1, 2, 3, 4, 5, 102];
        Assert.Equal([101, 1, 2, 102], EmbeddingTokenizer.Truncate(ids, 4));
        Assert.Equal([101, 4, 5, 102], EmbeddingTokenizer.Truncate(ids, 4, fromStart: true));
        Assert.Equal([101, 102], EmbeddingTokenizer.Truncate(ids, 2));
        Assert.Same(ids, EmbeddingTokenizer.Truncate(ids, 7));
        Assert.Throws<ArgumentOutOfRangeException>(() => EmbeddingTokenizer.Truncate(ids, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => EmbeddingTokenizer.Truncate([101], 4));
    }

    [Fact]
    public void TheTokenizersTruncationIsTheSameCut()
    {
        var tokenizer = SharedEmbedders.MiniLm.Tokenizer;
        var text = string.Join(' ', Enumerable.Range(0, 300).Select(i => $"word{i % 17}")) + " [UNK]-ish ☃☃";
        var full = tokenizer.Encode(text);
        foreach (var max in new[] { 2, 3, 10, 256, full.Length, full.Length + 5 })
        {
            var cut = tokenizer.Encode(text, max);
            Assert.Equal(EmbeddingTokenizer.Truncate(full.Ids, max), cut.Ids);
            Assert.Equal(full.Length, cut.UntruncatedLength);
            Assert.Equal(cut.Ids[1..^1].Count(id => id == tokenizer.UnknownId), cut.UnknownCount);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain")]
    [InlineData("嵌入 😀 Café 😀😀 x")]
    public void TheCodePointMapAgreesWithCodePointIndex(string text)
    {
        var map = EmbeddingTokenizer.CodePointIndexMap(text);
        Assert.Equal(text.Length + 1, map.Length);
        for (var i = 0; i <= text.Length; i++)
        {
            Assert.Equal(EmbeddingTokenizer.CodePointIndex(text, i), map[i]);
        }
    }
}
