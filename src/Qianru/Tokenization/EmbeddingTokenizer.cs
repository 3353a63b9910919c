namespace Qianru.Tokenization;

/// <summary>
/// The tokenizer of a sentence-embedding model: text to the ids the model reads, special tokens included
/// (<c>[CLS] … [SEP]</c> for BERT WordPiece, <c>&lt;s&gt; … &lt;/s&gt;</c> for XLM-RoBERTa's SentencePiece Unigram).
/// </summary>
/// <remarks>Instances are immutable and safe for concurrent use. Only Qianru's own tokenizers derive from this class:
/// <see cref="BertTokenizer"/> (WordPiece) and <see cref="UnigramTokenizer"/> (SentencePiece Unigram, XLM-RoBERTa).</remarks>
public abstract class EmbeddingTokenizer
{
    private protected EmbeddingTokenizer()
    {
    }

    /// <summary>The number of tokens in the vocabulary (ids are 0 to this minus 1).</summary>
    public abstract int VocabularySize { get; }

    /// <summary>The id of the unknown token.</summary>
    public abstract int UnknownId { get; }

    /// <summary>The id that opens every sequence: <c>[CLS]</c>, or <c>&lt;s&gt;</c>.</summary>
    public abstract int ClassificationId { get; }

    /// <summary>The id that closes every sequence: <c>[SEP]</c>, or <c>&lt;/s&gt;</c>.</summary>
    public abstract int SeparatorId { get; }

    /// <summary>The id that pads a batch.</summary>
    public abstract int PaddingId { get; }

    /// <summary>
    /// Tokenizes <paramref name="text"/> with the model's special tokens, truncated to <paramref name="maxLength"/>
    /// ids (special tokens included) by dropping tokens from the end; the closing special token is kept.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="maxLength">The most ids to return, at least 2; <see langword="null"/> for no limit.</param>
    public abstract TokenizedText Encode(string text, int? maxLength = null);

    /// <summary>
    /// Where each token of <paramref name="text"/> comes from: for the ids of <see cref="Encode"/> without truncation
    /// and without the special tokens, the UTF-16 start and end in <paramref name="text"/>; <see langword="null"/> when
    /// the spans cannot be recovered exactly (the ids are never affected).
    /// </summary>
    public abstract (int Start, int End)[]? GetPieceOffsets(string text);

    /// <summary>The number of ids of <paramref name="text"/> without truncation, special tokens included.</summary>
    public virtual int CountTokens(string text) => Encode(text).Length;

    /// <summary>The token string of an id.</summary>
    public abstract string GetToken(long id);

    /// <summary>The token strings of ids.</summary>
    public string[] GetTokens(ReadOnlySpan<long> ids)
    {
        var tokens = new string[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            tokens[i] = GetToken(ids[i]);
        }

        return tokens;
    }

    /// <summary>The number of Unicode code points in the first <paramref name="utf16Index"/> UTF-16 units of <paramref name="text"/> (offsets as Hugging Face's servers report them).</summary>
    public static int CodePointIndex(string text, int utf16Index)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)utf16Index, (uint)text.Length, nameof(utf16Index));
        var count = 0;
        for (var i = 0; i < utf16Index; i++)
        {
            count += char.IsLowSurrogate(text[i]) ? 0 : 1;
        }

        return count;
    }
}
