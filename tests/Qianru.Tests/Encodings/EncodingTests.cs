using Qianru.Encodings;

namespace Qianru.Tests.Encodings;

public sealed class EncodingTests
{
    [Fact]
    public void SeedTextMapsToZeroToNineInFirstSeenOrder()
    {
        // The seed: "小普喜欢星海湾的朋友" are ten characters that "0-9" represent, in this order.
        var vocabulary = Vocabulary.FromCharacters(["小普喜欢星海湾的朋友", "小普的朋友"]);
        Assert.Equal(10, vocabulary.Count);
        Assert.Equal("小普喜欢星海湾的朋友".Select(c => c.ToString()), vocabulary.Tokens);
        Assert.Equal([0, 1, 7, 8, 9], vocabulary.Encode(Vocabulary.SplitCharacters("小普的朋友")));
        Assert.Equal(["的", "友"], vocabulary.Decode([7, 9]));
    }

    [Fact]
    public void UnknownTokenTakesIndexZeroOrUnseenTokensAreAnError()
    {
        var strict = Vocabulary.Build(["a", "b", "a", "c"]);
        Assert.Equal(["a", "b", "c"], strict.Tokens);
        var ex = Assert.Throws<ArgumentException>(() => strict.IndexOf("z"));
        Assert.Contains("'z'", ex.Message);

        var lenient = Vocabulary.Build(["a", "b"], unknownToken: "<unk>");
        Assert.Equal(["<unk>", "a", "b"], lenient.Tokens);
        Assert.Equal([1, 2, 0], lenient.Encode(["a", "b", "z"]));
    }

    [Fact]
    public void OneHotRowsHaveASingleOneAtTheTokenIndex()
    {
        var vocabulary = Vocabulary.Build(["x", "y", "z"]);
        var dense = OneHotEncoder.Dense(vocabulary, ["z", "x", "z"]);
        Assert.Equal(new float[,] { { 0, 0, 1 }, { 1, 0, 0 }, { 0, 0, 1 } }, dense);
        Assert.Equal([2, 0, 2], OneHotEncoder.Sparse(vocabulary, ["z", "x", "z"]));
        Assert.Throws<ArgumentOutOfRangeException>(() => OneHotEncoder.Dense([3], 3));
    }

    [Theory]
    [InlineData(1, 10, 3)]
    [InlineData(7, 50, 16)]
    public void LookupEqualsOneHotTimesTable(int seed, int vocabularySize, int dimensions)
    {
        var table = EmbeddingTable.CreateRandom(vocabularySize, dimensions, seed);
        var random = new Random(seed);
        var ids = Enumerable.Range(0, 25).Select(_ => random.Next(vocabularySize)).ToArray();
        var oneHot = OneHotEncoder.Dense(ids, vocabularySize);
        var product = table.Multiply(oneHot);
        var lookup = table.Lookup(ids);
        // Naive double-precision oracle for the product.
        for (var r = 0; r < ids.Length; r++)
        {
            for (var c = 0; c < dimensions; c++)
            {
                double sum = 0;
                for (var k = 0; k < vocabularySize; k++)
                {
                    sum += oneHot[r, k] * (double)table[k][c];
                }

                Assert.Equal((float)sum, product[r, c]);
                Assert.Equal(product[r, c], lookup[r, c]);
            }
        }
    }

    [Fact]
    public void SameSeedSameTableAndShapesAreChecked()
    {
        var a = EmbeddingTable.CreateRandom(4, 2, 5);
        var b = EmbeddingTable.CreateRandom(4, 2, 5);
        Assert.Equal(a.Lookup([0, 1, 2, 3]), b.Lookup([0, 1, 2, 3]));
        Assert.Throws<ArgumentException>(() => a.Multiply(new float[2, 3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => a[4].ToArray());
    }
}
