namespace Qianru.WordVectors;

/// <summary>The word2vec training architecture.</summary>
public enum Word2VecArchitecture
{
    /// <summary>Skip-gram: each word predicts the words of its context window (gensim <c>sg=1</c>).</summary>
    SkipGram,

    /// <summary>Continuous bag of words: the mean of the context window predicts the word (gensim <c>sg=0</c>, <c>cbow_mean=1</c>).</summary>
    Cbow,
}
