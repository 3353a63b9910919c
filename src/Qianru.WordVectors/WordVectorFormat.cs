namespace Qianru.WordVectors;

/// <summary>The file formats <see cref="KeyedVectors"/> reads and writes.</summary>
public enum WordVectorFormat
{
    /// <summary>word2vec text: a header line "count dim", then "word v1 … vdim" per line. fastText's <c>.vec</c> is this format.</summary>
    Word2VecText,

    /// <summary>word2vec binary (Google's <c>.bin</c>): the text header, then per word its UTF-8 bytes, a space and dim little-endian float32.</summary>
    Word2VecBinary,

    /// <summary>GloVe text: "word v1 … vdim" per line, no header.</summary>
    GloVe,

    /// <summary>
    /// A fastText model (<c>.bin</c>): words and character n-gram vectors, so words outside the vocabulary get vectors.
    /// Read only; save as <see cref="Native"/> to keep the subwords.
    /// </summary>
    FastTextBinary,

    /// <summary>Qianru's native binary format, loaded by memory mapping (extension <c>.qwv</c>); keeps word counts and subword vectors.</summary>
    Native,
}
