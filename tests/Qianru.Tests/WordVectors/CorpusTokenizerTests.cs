using Qianru.WordVectors;

namespace Qianru.Tests.WordVectors;

public sealed class CorpusTokenizerTests
{
    [Fact]
    public void EnglishIsLowerCasedWords()
    {
        Assert.Equal(["the", "king's", "palace", "in", "1611"], CorpusTokenizer.Create("en").Tokenize("The King's palace, in 1611!"));
    }

    [Fact]
    public void ChineseIsSegmentedByJiebaOffline()
    {
        // jieba.NET's own default segmentation of its README example (dictionary copied to the output folder).
        Assert.Equal(["我", "来到", "北京", "清华大学"], CorpusTokenizer.Create("zh").Tokenize("我来到北京清华大学。"));
    }

    [Fact]
    public void AutoPicksJiebaOnlyForTextWithHanCharacters()
    {
        var auto = CorpusTokenizer.Create("auto");
        Assert.Equal(CorpusTokenizer.Create("zh").Tokenize("我来到北京清华大学。"), auto.Tokenize("我来到北京清华大学。"));
        Assert.Equal(["the", "king's", "palace"], auto.Tokenize("The King's palace"));
    }

    [Fact]
    public void UnknownLanguageIsAClearError()
    {
        var ex = Assert.Throws<ArgumentException>(() => CorpusTokenizer.Create("fr"));
        Assert.Contains("'fr'", ex.Message);
    }
}
