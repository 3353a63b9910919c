namespace Qianru.Server.Tests;

/// <summary><see cref="SentenceEmbedder.EncodeTokens"/>, which the server's queue runs: the same vectors as <see cref="SentenceEmbedder.Encode"/>.</summary>
public sealed class EncodeTokensTests
{
    private static readonly string[] Texts = ["short", "a somewhat longer sentence about the sea and the sky", "中文也可以", ""];

    [Fact]
    public void TokenIdsGiveTheVectorsOfTheirTexts()
    {
        var embedder = ServerFixture.MiniLm;
        var ids = Texts.Select(t => embedder.Tokenize(t).Ids).ToList();
        foreach (var options in new EmbedOptions?[] { null, new() { Normalize = false }, new() { Dimensions = 16 }, new() { BatchSize = 1 } })
        {
            var expected = embedder.Encode(Texts, options);
            var actual = embedder.EncodeTokens(ids, options);
            Assert.Equal(expected.TokenCounts, actual.TokenCounts);
            for (var i = 0; i < Texts.Length; i++)
            {
                Vectors.Close(expected.Vectors[i], actual.Vectors[i]);
            }
        }
    }

    [Fact]
    public void TokenizeUntruncatedKeepsEveryToken()
    {
        var text = string.Join(' ', Enumerable.Repeat("word", 400));
        var full = ServerFixture.MiniLm.TokenizeUntruncated(text);
        Assert.Equal(402, full.Length);
        Assert.False(full.Truncated);
        Assert.Equal(ServerFixture.MiniLm.Tokenize(text).Ids[..255], full.Ids[..255]);
    }

    [Fact]
    public void BadSequencesAreRefusedNamingTheSequence()
    {
        var embedder = ServerFixture.MiniLm;
        Assert.Contains("Sequence 1 holds token id 30522", Assert.Throws<ArgumentException>(() => embedder.EncodeTokens([[101, 102], [101, 30522, 102]])).Message, StringComparison.Ordinal);
        Assert.Contains("Sequence 0 has 0 ids", Assert.Throws<ArgumentException>(() => embedder.EncodeTokens([[]])).Message, StringComparison.Ordinal);
        Assert.Contains("Sequence 0 has 300 ids", Assert.Throws<ArgumentException>(() => embedder.EncodeTokens([new long[300]])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => embedder.EncodeTokens([[101, 102]], new EmbedOptions { Dimensions = 385 }));
    }
}
