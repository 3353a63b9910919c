namespace Qianru.WordVectors;

/// <summary>A query named a word that the vectors do not hold (and they have no subword vectors to build one).</summary>
public sealed class UnknownWordException : QianruException
{
    /// <summary>Creates the exception for <paramref name="word"/>.</summary>
    public UnknownWordException(string word, int vocabularySize)
        : base($"word '{word}' is not in the vocabulary ({vocabularySize} words) and the vectors have no subwords to build it from")
    {
        Word = word;
    }

    /// <summary>The unknown word.</summary>
    public string Word { get; }
}
