namespace Qianru.Cli.Tests.WordVectors;

public sealed class OneHotCommandTests
{
    [Fact]
    public void PrintsTheSeedVocabularyAndOneHotMatrix()
    {
        var (exit, output, error) = QianruCli.Run("onehot", "小普喜欢星海湾的朋友");
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        Assert.Contains("  小 → 0", output);
        Assert.Contains("  友 → 9", output);
        Assert.Contains("ids: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]", output);
        Assert.Contains("  湾  [0 0 0 0 0 0 1 0 0 0]", output);
    }

    [Fact]
    public void WithADimensionTheProductEqualsTheLookup()
    {
        var (exit, output, _) = QianruCli.Run("onehot", "小普喜欢星海湾的朋友", "小普的朋友", "--dim", "3", "--seed", "1");
        Assert.Equal(0, exit);
        Assert.Contains("(5 × 10 · 10 × 3 = 5 × 3)", output);
        Assert.Equal(2, output.Split("product == lookup: yes").Length - 1);
    }

    [Fact]
    public void BadDimensionIsAUsageError()
    {
        var (exit, _, error) = QianruCli.Run("onehot", "abc", "--dim", "0");
        Assert.Equal(2, exit);
        Assert.Contains("--dim", error);
    }
}
