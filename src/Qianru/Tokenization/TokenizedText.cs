namespace Qianru.Tokenization;

/// <summary>The token ids of one text, with <c>[CLS]</c> and <c>[SEP]</c>, after truncation.</summary>
/// <param name="Ids">The token ids, as <see langword="long"/> so they go to ONNX Runtime without a copy.</param>
/// <param name="UntruncatedLength">How many ids the text had before truncation (including the special tokens).</param>
/// <param name="UnknownCount">How many of the ids (special tokens excluded) are the unknown token.</param>
public sealed record TokenizedText(long[] Ids, int UntruncatedLength, int UnknownCount)
{
    /// <summary>Whether tokens were cut off to fit the maximum length.</summary>
    public bool Truncated => UntruncatedLength > Ids.Length;

    /// <summary>The number of ids, special tokens included.</summary>
    public int Length => Ids.Length;

    /// <summary>The fraction of the text's tokens (special tokens excluded) that are unknown; 0 for an empty text.</summary>
    public double UnknownFraction => Ids.Length <= 2 ? 0 : (double)UnknownCount / (Ids.Length - 2);
}
