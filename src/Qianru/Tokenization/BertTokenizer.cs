using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace Qianru.Tokenization;

/// <summary>
/// BERT WordPiece tokenizer with the ids of Hugging Face's fast tokenizer (<c>BertTokenizerFast</c>), as
/// sentence-transformers uses it.
/// </summary>
/// <remarks>
/// <para>Normalization and pre-tokenization (clean text, CJK ideographs as single words, accent stripping by NFD,
/// full lower-casing, punctuation split, the 100-character word rule counted in code points) are Qianru's own;
/// greedy longest-match WordPiece is Microsoft.ML.Tokenizers' <see cref="WordPieceTokenizer"/>, applied word by word.
/// Microsoft's <c>BertTokenizer</c> is not used as a whole because its defaults differ from Hugging Face's
/// (it keeps Cf characters, lower-cases only Lu and counts UTF-16 units for the word limit).</para>
/// <para>Instances are immutable and safe for concurrent use.</para>
/// </remarks>
public sealed class BertTokenizer : EmbeddingTokenizer
{
    private readonly WordPieceTokenizer _wordPiece;
    private readonly string[] _vocabulary;

    private BertTokenizer(string[] vocabulary, BertTokenizerOptions options, string source)
    {
        Options = options;
        _vocabulary = vocabulary;
        var ids = new Dictionary<string, int>(vocabulary.Length, StringComparer.Ordinal);
        for (var i = 0; i < vocabulary.Length; i++)
        {
            ids[vocabulary[i]] = i;
        }

        int Require(string token) => ids.TryGetValue(token, out var id)
            ? id
            : throw new InvalidDataException($"{source}: the vocabulary has no token '{token}'; a BERT vocabulary needs {options.UnknownToken}, {options.ClassificationToken}, {options.SeparatorToken} and {options.PaddingToken}.");

        UnknownId = Require(options.UnknownToken);
        ClassificationId = Require(options.ClassificationToken);
        SeparatorId = Require(options.SeparatorToken);
        PaddingId = ids.TryGetValue(options.PaddingToken, out var pad) ? pad : 0;

        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', vocabulary)));
        _wordPiece = WordPieceTokenizer.Create(stream, new WordPieceOptions
        {
            UnknownToken = options.UnknownToken,
            ContinuingSubwordPrefix = options.ContinuingSubwordPrefix,
            // Qianru applies the word-length rule itself, in code points as Hugging Face does; a word that passes
            // it has at most twice as many UTF-16 units, so this limit never fires.
            MaxInputCharsPerWord = Math.Max(2 * options.MaxInputCharsPerWord, 256),
        });
    }

    /// <summary>The settings this tokenizer was made with.</summary>
    public BertTokenizerOptions Options { get; }

    /// <summary>The number of tokens in the vocabulary.</summary>
    public override int VocabularySize => _vocabulary.Length;

    /// <summary>The id of the unknown token.</summary>
    public override int UnknownId { get; }

    /// <summary>The id of <c>[CLS]</c>.</summary>
    public override int ClassificationId { get; }

    /// <summary>The id of <c>[SEP]</c>.</summary>
    public override int SeparatorId { get; }

    /// <summary>The id of <c>[PAD]</c> (0 when the vocabulary has none).</summary>
    public override int PaddingId { get; }

    /// <summary>Loads a <c>vocab.txt</c> file (one token per line; the line number is the id).</summary>
    public static BertTokenizer FromVocabularyFile(string path, BertTokenizerOptions? options = null)
    {
        using var stream = OpenOrThrow(path);
        return FromVocabulary(stream, options, path);
    }

    /// <summary>Loads a vocabulary in <c>vocab.txt</c> format from a stream.</summary>
    public static BertTokenizer FromVocabulary(Stream vocabulary, BertTokenizerOptions? options = null, string source = "vocab.txt")
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        using var reader = new StreamReader(vocabulary, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line.TrimEnd());
        }

        if (lines.Count == 0)
        {
            throw new InvalidDataException($"{source}: the vocabulary is empty.");
        }

        return new BertTokenizer([.. lines], options ?? new BertTokenizerOptions(), source);
    }

    /// <summary>
    /// Loads a Hugging Face <c>tokenizer.json</c> whose model is WordPiece (BERT-style). Settings found in the file
    /// (unknown token, prefix, word limit, clean_text, lowercase, strip_accents, handle_chinese_chars) are used unless
    /// <paramref name="overrides"/> is given, which then wins for the normalizer flags.
    /// </summary>
    public static BertTokenizer FromTokenizerJson(string path, Func<BertTokenizerOptions, BertTokenizerOptions>? overrides = null)
    {
        using var stream = OpenOrThrow(path);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(stream);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({ex.Message}).", ex);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{path}: no \"model\" object; expected a Hugging Face tokenizer.json.");
            }

            var type = model.TryGetProperty("type", out var t) ? t.GetString() : null;
            if (type != "WordPiece")
            {
                throw new NotSupportedException($"{path}: the tokenizer model is {type ?? "of no type"}; only WordPiece (BERT-style) tokenizers are supported.");
            }

            if (!model.TryGetProperty("vocab", out var vocab) || vocab.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{path}: model.vocab is missing or not an object.");
            }

            var entries = new List<(string Token, int Id)>();
            foreach (var p in vocab.EnumerateObject())
            {
                entries.Add((p.Name, p.Value.GetInt32()));
            }

            var tokens = new string[entries.Count];
            foreach (var (token, id) in entries)
            {
                if (id < 0 || id >= tokens.Length || tokens[id] is not null)
                {
                    throw new InvalidDataException($"{path}: model.vocab ids must be 0..{tokens.Length - 1} without gaps or repeats; found id {id} for '{token}'.");
                }

                tokens[id] = token;
            }

            var options = new BertTokenizerOptions
            {
                UnknownToken = StringOr(model, "unk_token", "[UNK]"),
                ContinuingSubwordPrefix = StringOr(model, "continuing_subword_prefix", "##"),
                MaxInputCharsPerWord = model.TryGetProperty("max_input_chars_per_word", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetInt32() : 100,
            };

            if (root.TryGetProperty("normalizer", out var normalizer) && normalizer.ValueKind == JsonValueKind.Object)
            {
                var ntype = normalizer.TryGetProperty("type", out var nt) ? nt.GetString() : null;
                if (ntype != "BertNormalizer")
                {
                    throw new NotSupportedException($"{path}: normalizer {ntype} is not supported; only BertNormalizer.");
                }

                options = new BertTokenizerOptions
                {
                    UnknownToken = options.UnknownToken,
                    ContinuingSubwordPrefix = options.ContinuingSubwordPrefix,
                    MaxInputCharsPerWord = options.MaxInputCharsPerWord,
                    CleanText = BoolOr(normalizer, "clean_text", true),
                    HandleChineseChars = BoolOr(normalizer, "handle_chinese_chars", true),
                    Lowercase = BoolOr(normalizer, "lowercase", true),
                    StripAccents = normalizer.TryGetProperty("strip_accents", out var sa) && sa.ValueKind is JsonValueKind.True or JsonValueKind.False ? sa.GetBoolean() : null,
                };
            }

            if (root.TryGetProperty("pre_tokenizer", out var pre) && pre.ValueKind == JsonValueKind.Object)
            {
                var ptype = pre.TryGetProperty("type", out var pt) ? pt.GetString() : null;
                if (ptype != "BertPreTokenizer")
                {
                    throw new NotSupportedException($"{path}: pre_tokenizer {ptype} is not supported; only BertPreTokenizer.");
                }
            }

            if (overrides is not null)
            {
                options = overrides(options);
            }

            return new BertTokenizer(tokens, options, path);
        }
    }

    /// <summary>
    /// Tokenizes <paramref name="text"/> to <c>[CLS] … [SEP]</c>, truncated to <paramref name="maxLength"/> ids
    /// (special tokens included) by dropping word pieces from the end; the final <c>[SEP]</c> is kept.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="maxLength">The most ids to return, at least 2; <see langword="null"/> for no limit.</param>
    public override TokenizedText Encode(string text, int? maxLength = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (maxLength is < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "maxLength must be at least 2 ([CLS] and [SEP]).");
        }

        var pieces = new List<int>(text.Length / 3 + 4);
        var unknown = 0;
        AppendWordPieces(text, pieces, ref unknown);
        var ids = new long[pieces.Count + 2];
        ids[0] = ClassificationId;
        for (var i = 0; i < pieces.Count; i++)
        {
            ids[i + 1] = pieces[i];
        }

        ids[^1] = SeparatorId;
        var kept = maxLength is { } max ? Truncate(ids, max) : ids;
        if (kept.Length < ids.Length)
        {
            unknown = kept.AsSpan(1, kept.Length - 2).Count((long)UnknownId);
        }

        return new TokenizedText(kept, ids.Length, unknown);
    }

    /// <summary>
    /// Where each word piece of <paramref name="text"/> comes from: for the ids of <see cref="Encode"/> without
    /// truncation and without <c>[CLS]</c>/<c>[SEP]</c>, the UTF-16 start and end in <paramref name="text"/>. A piece
    /// that is <c>[UNK]</c> spans its whole word. <see langword="null"/> in the rare case the spans cannot be
    /// recovered exactly (combining marks that normalization reorders); the ids are never affected.
    /// </summary>
    public override (int Start, int End)[]? GetPieceOffsets(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (BertTextSplitter.SplitWithSpans(text, Options) is not var (words, starts, ends))
        {
            return null;
        }

        var offsets = new List<(int, int)>(words.Count + 8);
        foreach (var (word, at) in words)
        {
            var whole = (starts[at], ends[at + word.Length - 1]);
            if (CountCodePoints(word) > Options.MaxInputCharsPerWord)
            {
                offsets.Add(whole);
                continue;
            }

            var position = 0;
            foreach (var id in _wordPiece.EncodeToIds(word, considerPreTokenization: false, considerNormalization: false))
            {
                if (id == UnknownId)
                {
                    offsets.Add(whole);
                    position = word.Length;
                    continue;
                }

                var piece = _vocabulary[id];
                var length = position > 0 && piece.StartsWith(Options.ContinuingSubwordPrefix, StringComparison.Ordinal)
                    ? piece.Length - Options.ContinuingSubwordPrefix.Length
                    : piece.Length;
                if (length <= 0 || position + length > word.Length)
                {
                    return null;
                }

                offsets.Add((starts[at + position], ends[at + position + length - 1]));
                position += length;
            }
        }

        return [.. offsets];
    }

    /// <summary>The number of ids of <paramref name="text"/> without truncation, special tokens included.</summary>
    public override int CountTokens(string text)
    {
        var pieces = new List<int>();
        var unknown = 0;
        AppendWordPieces(text, pieces, ref unknown);
        return pieces.Count + 2;
    }

    /// <summary>The token string of an id.</summary>
    public override string GetToken(long id) => id >= 0 && id < _vocabulary.Length
        ? _vocabulary[id]
        : throw new ArgumentOutOfRangeException(nameof(id), id, $"Token ids are 0..{_vocabulary.Length - 1}.");

    private void AppendWordPieces(string text, List<int> pieces, ref int unknown)
    {
        var words = new List<string>();
        BertTextSplitter.Split(text, Options, words);
        foreach (var word in words)
        {
            if (CountCodePoints(word) > Options.MaxInputCharsPerWord)
            {
                pieces.Add(UnknownId);
                unknown++;
                continue;
            }

            foreach (var id in _wordPiece.EncodeToIds(word, considerPreTokenization: false, considerNormalization: false))
            {
                pieces.Add(id);
                unknown += id == UnknownId ? 1 : 0;
            }
        }
    }

    private static int CountCodePoints(string word)
    {
        var n = 0;
        foreach (var c in word)
        {
            n += char.IsLowSurrogate(c) ? 0 : 1;
        }

        return n;
    }

    private static FileStream OpenOrThrow(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: file not found.", path);
        }

        return File.OpenRead(path);
    }

    private static string StringOr(JsonElement e, string name, string fallback) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : fallback;

    private static bool BoolOr(JsonElement e, string name, bool fallback) =>
        e.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : fallback;
}
