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

    /// <summary>
    /// Cuts a sequence of ids as <see cref="Encode"/> gives them (a special token at each end) to at most
    /// <paramref name="maxLength"/> ids, keeping both special tokens: tokens are dropped from the end, as
    /// sentence-transformers truncates, or from the start when <paramref name="fromStart"/>. Returns
    /// <paramref name="ids"/> itself when it is short enough.
    /// </summary>
    /// <remarks>The one place Qianru truncates token sequences: <see cref="BertTokenizer.Encode"/> and the server both use it.</remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLength"/> is under 2, or <paramref name="ids"/> has fewer than 2 ids.</exception>
    public static long[] Truncate(long[] ids, int maxLength, bool fromStart = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(ids.Length, 2, nameof(ids));
        if (ids.Length <= maxLength)
        {
            return ids;
        }

        var kept = new long[maxLength];
        kept[0] = ids[0];
        kept[^1] = ids[^1];
        ids.AsSpan(fromStart ? ids.Length - maxLength + 1 : 1, maxLength - 2).CopyTo(kept.AsSpan(1));
        return kept;
    }

    /// <summary>
    /// For every UTF-16 index 0 to <c>text.Length</c> of <paramref name="text"/>, the number of code points before it
    /// (<c>map[i] == CodePointIndex(text, i)</c>), computed in one pass: for converting many offsets of one text.
    /// </summary>
    public static int[] CodePointIndexMap(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var map = new int[text.Length + 1];
        var count = 0;
        for (var i = 0; i < text.Length; i++)
        {
            map[i] = count;
            count += char.IsLowSurrogate(text[i]) ? 0 : 1;
        }

        map[text.Length] = count;
        return map;
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
