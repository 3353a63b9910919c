namespace Qianru.WordVectors;

/// <summary>How <see cref="WordVectorSentenceEmbedder"/> turns word vectors into a sentence vector.</summary>
public enum SentencePooling
{
    /// <summary>The plain mean of the word vectors.</summary>
    Mean,

    /// <summary>
    /// Smooth inverse frequency (Arora, Liang and Ma 2017): the mean of a/(a + p(w)) · v(w), then the projection on the
    /// first principal component removed.
    /// </summary>
    Sif,
}
