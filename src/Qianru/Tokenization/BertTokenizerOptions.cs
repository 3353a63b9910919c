namespace Qianru.Tokenization;

/// <summary>
/// Settings of a BERT WordPiece tokenizer, with the meaning of Hugging Face's <c>BertNormalizer</c>,
/// <c>BertPreTokenizer</c> and <c>WordPiece</c> model.
/// </summary>
public sealed class BertTokenizerOptions
{
    /// <summary>Lower-case the text (uncased models). Default: <see langword="true"/>.</summary>
    public bool Lowercase { get; init; } = true;

    /// <summary>
    /// Strip accents (NFD, then drop non-spacing marks). Default <see langword="null"/>: the same as
    /// <see cref="Lowercase"/>, as in Hugging Face's BertNormalizer.
    /// </summary>
    public bool? StripAccents { get; init; }

    /// <summary>Drop control and format characters and map other whitespace to a space. Default: <see langword="true"/>.</summary>
    public bool CleanText { get; init; } = true;

    /// <summary>Put spaces around CJK ideographs so each becomes its own word. Default: <see langword="true"/>.</summary>
    public bool HandleChineseChars { get; init; } = true;

    /// <summary>A word longer than this many characters (code points) becomes the unknown token. Default: 100.</summary>
    public int MaxInputCharsPerWord
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxInputCharsPerWord), value, "MaxInputCharsPerWord must be at least 1.");
    } = 100;

    /// <summary>The prefix of word pieces that continue a word. Default: <c>##</c>.</summary>
    public string ContinuingSubwordPrefix { get; init; } = "##";

    /// <summary>The unknown token. Default: <c>[UNK]</c>.</summary>
    public string UnknownToken { get; init; } = "[UNK]";

    /// <summary>The token that starts a sequence. Default: <c>[CLS]</c>.</summary>
    public string ClassificationToken { get; init; } = "[CLS]";

    /// <summary>The token that ends a sequence. Default: <c>[SEP]</c>.</summary>
    public string SeparatorToken { get; init; } = "[SEP]";

    /// <summary>The padding token. Default: <c>[PAD]</c>.</summary>
    public string PaddingToken { get; init; } = "[PAD]";

    internal bool ShouldStripAccents => StripAccents ?? Lowercase;
}
