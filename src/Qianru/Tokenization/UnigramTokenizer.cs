using System.Text.Json;
using Qianru.Tokenization.SentencePiece;

namespace Qianru.Tokenization;

/// <summary>
/// SentencePiece Unigram tokenizer (XLM-RoBERTa's, as in BAAI/bge-m3, intfloat/multilingual-e5-* and
/// sentence-transformers/paraphrase-multilingual-*) with the ids of Hugging Face's fast tokenizer, which
/// sentence-transformers uses.
/// </summary>
/// <remarks>
/// <para>Runs a <c>tokenizer.json</c> the way Hugging Face's tokenizers library (0.22) does: added tokens such as
/// <c>&lt;s&gt;</c> and <c>&lt;mask&gt;</c> are split off first; then the normalizers (<c>Precompiled</c> — SentencePiece's
/// compiled rules such as nmt_nfkc, applied per grapheme cluster as tokenizers applies them —, <c>Replace</c>,
/// <c>Strip</c>), the pre-tokenizers (<c>Metaspace</c>, <c>WhitespaceSplit</c>), the Unigram model (Viterbi over piece
/// scores, unknown score = lowest score − 10, consecutive unknowns fused, byte fallback) and the post-processor
/// (<c>TemplateProcessing</c>, <c>RobertaProcessing</c>: <c>&lt;s&gt; … &lt;/s&gt;</c>). Anything else in the file is
/// refused when it is loaded, with a message naming it.</para>
/// <para>A folder with only <c>sentencepiece.bpe.model</c> is read as transformers converts it for XLM-R
/// (<see cref="FromSentencePieceModel(string)"/>): fairseq ids (<c>&lt;s&gt;</c>=0, <c>&lt;pad&gt;</c>=1,
/// <c>&lt;/s&gt;</c>=2, <c>&lt;unk&gt;</c>=3, SentencePiece's pieces shifted by one, <c>&lt;mask&gt;</c> last).</para>
/// <para>Microsoft.ML.Tokenizers' <c>SentencePieceTokenizer</c> is not used: it follows SentencePiece's own
/// normalizer (longest match over the text, whitespace trimming), whose ids differ from Hugging Face's on some text.
/// Instances are immutable and safe for concurrent use.</para>
/// </remarks>
public sealed class UnigramTokenizer : EmbeddingTokenizer
{
    [ThreadStatic]
    private static Workspace? t_workspace;

    private readonly UnigramModel _model;
    private readonly TextNormalizer[] _normalizers;
    private readonly PreTokenizer[] _preTokenizers;
    private readonly AddedTokenSplitter _added;
    private readonly AddedTokenSplitter _addedNormalized;
    private readonly string[] _tokens;

    internal UnigramTokenizer(UnigramModel model, TextNormalizer[] normalizers, PreTokenizer[] preTokenizers, IReadOnlyList<AddedToken> added,
        int classificationId, int separatorId, int paddingId)
    {
        _model = model;
        _normalizers = normalizers;
        _preTokenizers = preTokenizers;
        _added = new AddedTokenSplitter(added.Where(t => !t.Normalized));
        _addedNormalized = new AddedTokenSplitter(added.Where(t => t.Normalized).Select(t => t with { Content = NormalizeForMatch(t.Content) }));
        ClassificationId = classificationId;
        SeparatorId = separatorId;
        PaddingId = paddingId;
        var size = Math.Max(model.Count, added.Count == 0 ? 0 : added.Max(t => t.Id) + 1);
        _tokens = new string[size];
        for (var i = 0; i < model.Count; i++)
        {
            _tokens[i] = model.Piece(i);
        }

        foreach (var token in added.Where(t => t.Id >= model.Count))
        {
            _tokens[token.Id] = token.Content;
        }
    }

    /// <summary>The number of token ids (the vocabulary and any added tokens past it).</summary>
    public override int VocabularySize => _tokens.Length;

    /// <summary>The id of the unknown token (<c>&lt;unk&gt;</c>), or -1 when the model has none.</summary>
    public override int UnknownId => _model.UnknownId ?? -1;

    /// <summary>The id that opens every sequence (<c>&lt;s&gt;</c>).</summary>
    public override int ClassificationId { get; }

    /// <summary>The id that closes every sequence (<c>&lt;/s&gt;</c>).</summary>
    public override int SeparatorId { get; }

    /// <summary>The id of <c>&lt;pad&gt;</c> (0 when the tokenizer has none).</summary>
    public override int PaddingId { get; }

    /// <summary>Whether unknown text becomes UTF-8 byte pieces (<c>byte_fallback</c>).</summary>
    public bool ByteFallback => _model.ByteFallback;

    /// <summary>Loads a Hugging Face <c>tokenizer.json</c> whose model is Unigram.</summary>
    /// <exception cref="NotSupportedException">The file uses a model, normalizer, pre-tokenizer or post-processor this class does not run.</exception>
    /// <exception cref="InvalidDataException">The file is malformed (e.g. a corrupt precompiled charsmap).</exception>
    public static UnigramTokenizer FromTokenizerJson(string path) => FromTokenizerJson(path, paddingToken: null);

    /// <summary>Loads a Hugging Face <c>tokenizer.json</c> whose model is Unigram from a stream.</summary>
    public static UnigramTokenizer FromTokenizerJson(Stream json, string source = "tokenizer.json") => FromTokenizerJson(json, source, paddingToken: null);

    /// <summary>
    /// Loads a SentencePiece Unigram model file (<c>sentencepiece.bpe.model</c>) the way transformers builds XLM-R's fast
    /// tokenizer from it: fairseq ids, normalizers <c>Precompiled</c> (the model's charsmap), <c>Strip</c> (right) and
    /// <c>Replace(" {2,}", "▁")</c>, <c>Metaspace</c> (prefix per the model's add_dummy_prefix) and
    /// <c>&lt;s&gt; $A &lt;/s&gt;</c>. Byte fallback is off, as in transformers' XLM-R converter.
    /// </summary>
    public static UnigramTokenizer FromSentencePieceModel(string path)
    {
        using var stream = OpenOrThrow(path);
        return FromSentencePieceModel(stream, path);
    }

    /// <summary>Loads a SentencePiece Unigram model (XLM-R layout, see <see cref="FromSentencePieceModel(string)"/>) from a stream.</summary>
    public static UnigramTokenizer FromSentencePieceModel(Stream model, string source = "sentencepiece.bpe.model")
    {
        ArgumentNullException.ThrowIfNull(model);
        var file = SentencePieceModelFile.Read(model, source);
        if (file.ModelType != 1)
        {
            var kind = file.ModelType switch { 2 => "BPE", 3 => "word", 4 => "char", _ => $"type {file.ModelType}" };
            throw new NotSupportedException($"{source}: a SentencePiece {kind} model; only Unigram SentencePiece models are supported.");
        }

        var pieces = file.Pieces;
        if (pieces.Count < 3 || pieces[0].Type != SentencePieceModelFile.PieceType.Unknown
            || pieces[1].Type != SentencePieceModelFile.PieceType.Control || pieces[2].Type != SentencePieceModelFile.PieceType.Control)
        {
            throw new NotSupportedException($"{source}: the first pieces are not <unk>, <s>, </s> (found {string.Join(", ", pieces.Take(3).Select(p => $"{p.Piece} ({p.Type})"))}); only XLM-RoBERTa's SentencePiece layout is supported.");
        }

        var vocabulary = new List<(string, double)>(pieces.Count + 2) { ("<s>", 0), ("<pad>", 0), ("</s>", 0), ("<unk>", 0) };
        vocabulary.AddRange(pieces.Skip(3).Select(p => (p.Piece, (double)p.Score)));
        vocabulary.Add(("<mask>", 0));
        var model2 = new UnigramModel(vocabulary, unknownId: 3, byteFallback: false, source);

        var added = new List<AddedToken>
        {
            new("<s>", 0, false, false, false, false),
            new("<pad>", 1, false, false, false, false),
            new("</s>", 2, false, false, false, false),
            new("<unk>", 3, false, false, false, false),
            new("<mask>", vocabulary.Count - 1, false, true, false, false),
        };
        for (var i = 3; i < pieces.Count; i++)
        {
            if (pieces[i].Type is SentencePieceModelFile.PieceType.Control or SentencePieceModelFile.PieceType.UserDefined && pieces[i].Piece.Length > 0)
            {
                added.Add(new AddedToken(pieces[i].Piece, i + 1, false, false, false, false));
            }
        }

        var normalizers = new List<TextNormalizer>();
        if (file.PrecompiledCharsMap.Length > 0)
        {
            normalizers.Add(new PrecompiledNormalizer(PrecompiledCharsMap.Parse(file.PrecompiledCharsMap, source)));
        }

        normalizers.Add(new StripNormalizer(left: false, right: true));
        normalizers.Add(new ReplaceNormalizer(null, " {2,}", "\u2581", source));
        var metaspace = new MetaspacePreTokenizer('\u2581', file.AddDummyPrefix ? PrependScheme.Always : PrependScheme.Never, split: true);
        return new UnigramTokenizer(model2, [.. normalizers], [metaspace], added, 0, 2, 1);
    }

    /// <summary>
    /// Tokenizes <paramref name="text"/> to <c>&lt;s&gt; … &lt;/s&gt;</c>, truncated to <paramref name="maxLength"/> ids
    /// (special tokens included) by dropping pieces from the end; the final <c>&lt;/s&gt;</c> is kept.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="maxLength">The most ids to return, at least 2; <see langword="null"/> for no limit.</param>
    public override TokenizedText Encode(string text, int? maxLength = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (maxLength is < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "maxLength must be at least 2 (<s> and </s>).");
        }

        var pieces = new List<int>(text.Length / 2 + 4);
        var unknown = Tokenize(text, pieces, null);
        var total = pieces.Count + 2;
        var keep = maxLength is { } max ? Math.Min(pieces.Count, max - 2) : pieces.Count;
        if (keep < pieces.Count)
        {
            unknown = 0;
            for (var i = 0; i < keep; i++)
            {
                unknown += pieces[i] == UnknownId ? 1 : 0;
            }
        }

        var ids = new long[keep + 2];
        ids[0] = ClassificationId;
        for (var i = 0; i < keep; i++)
        {
            ids[i + 1] = pieces[i];
        }

        ids[keep + 1] = SeparatorId;
        return new TokenizedText(ids, total, unknown);
    }

    /// <summary>
    /// Where each piece of <paramref name="text"/> comes from: for the ids of <see cref="Encode"/> without truncation
    /// and without <c>&lt;s&gt;</c>/<c>&lt;/s&gt;</c>, the UTF-16 start and end in <paramref name="text"/>. A piece's span
    /// covers the characters it was normalized from; its leading ▁ counts as the space it replaced (or, when it was
    /// put before the first word, as that word's first character). Byte pieces of one unknown character share its span.
    /// </summary>
    public override (int Start, int End)[]? GetPieceOffsets(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var pieces = new List<int>();
        var spans = new List<(int Start, int End)>();
        Tokenize(text, pieces, spans);
        return [.. spans];
    }

    /// <summary>The number of ids of <paramref name="text"/> without truncation, special tokens included.</summary>
    public override int CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var pieces = new List<int>(text.Length / 2 + 4);
        Tokenize(text, pieces, null);
        return pieces.Count + 2;
    }

    /// <summary>The token string of an id.</summary>
    public override string GetToken(long id) => id >= 0 && id < _tokens.Length && _tokens[id] is { } token
        ? token
        : throw new ArgumentOutOfRangeException(nameof(id), id, $"Token ids are 0..{_tokens.Length - 1}.");

    internal static UnigramTokenizer FromTokenizerJson(string path, string? paddingToken)
    {
        using var stream = OpenOrThrow(path);
        return FromTokenizerJson(stream, path, paddingToken);
    }

    internal static UnigramTokenizer FromTokenizerJson(Stream json, string source, string? paddingToken)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{source}: not valid JSON ({ex.Message}).", ex);
        }

        using (doc)
        {
            return UnigramTokenizerJson.Build(doc.RootElement, source, paddingToken);
        }
    }

    /// <summary>The pieces (as strings) of <paramref name="text"/>, without <c>&lt;s&gt;</c>/<c>&lt;/s&gt;</c>.</summary>
    internal string[] TokenizeToPieces(string text)
    {
        var ids = new List<int>();
        Tokenize(text, ids, null);
        return [.. ids.Select(id => _tokens[id])];
    }

    private int Tokenize(string text, List<int> ids, List<(int Start, int End)>? offsets)
    {
        var input = ReplaceLoneSurrogates(text);
        var ws = t_workspace ??= new Workspace();
        if (input.Length > Workspace.KeepLimit)
        {
            // Do not keep buffers for a huge text alive on this thread afterwards.
            t_workspace = null;
        }

        var unknown = 0;
        _added.Split(input, ws.Segments);
        foreach (var (start, end, id) in ws.Segments)
        {
            if (id >= 0)
            {
                ids.Add(id);
                offsets?.Add((start, end));
                continue;
            }

            if (start == end)
            {
                continue;
            }

            var current = ws.First;
            var other = ws.Second;
            current.SetOriginal(input.AsSpan(start, end - start), start);
            foreach (var normalizer in _normalizers)
            {
                normalizer.Normalize(current, other);
                (current, other) = (other, current);
            }

            if (_addedNormalized.IsEmpty)
            {
                ws.Words.Clear();
                ws.Words.Add((0, current.Length, start));
                unknown += EncodeWords(ws, current, other, ids, offsets);
                continue;
            }

            // Added tokens matched on normalized text; each part between them is pre-tokenized on its own.
            var normalized = current.Chars.ToString();
            var parts = new List<(int Start, int End, int Id)>();
            _addedNormalized.Split(normalized, parts);
            var holder = new AlignedText();
            foreach (var (partStart, partEnd, partId) in parts)
            {
                if (partId >= 0)
                {
                    ids.Add(partId);
                    offsets?.Add((current.Starts[partStart], current.Ends[partEnd - 1]));
                    continue;
                }

                if (partStart == partEnd)
                {
                    continue;
                }

                holder.Clear();
                holder.AppendFrom(current, 0, current.Length);
                ws.Words.Clear();
                ws.Words.Add((partStart, partEnd, partStart == 0 ? start : current.Starts[partStart]));
                unknown += EncodeWords(ws, holder, other, ids, offsets);
            }
        }

        return unknown;
    }

    private int EncodeWords(Workspace ws, AlignedText text, AlignedText spare, List<int> ids, List<(int Start, int End)>? offsets)
    {
        var words = ws.Words;
        var next = ws.NextWords;
        foreach (var preTokenizer in _preTokenizers)
        {
            preTokenizer.Split(text, words, spare, next);
            (text, spare) = (spare, text);
            (words, next) = (next, words);
        }

        var unknown = 0;
        var spans = offsets is null ? null : ws.Spans;
        foreach (var (start, end, _) in words)
        {
            if (start == end)
            {
                continue;
            }

            spans?.Clear();
            unknown += _model.Encode(text.Chars[start..end], ids, spans);
            if (spans is not null)
            {
                foreach (var (s, e) in spans)
                {
                    offsets!.Add((text.Starts[start + s], text.Ends[start + e - 1]));
                }
            }
        }

        return unknown;
    }

    private string NormalizeForMatch(string content)
    {
        var a = new AlignedText();
        var b = new AlignedText();
        a.SetOriginal(content, 0);
        foreach (var normalizer in _normalizers)
        {
            normalizer.Normalize(a, b);
            (a, b) = (b, a);
        }

        return a.Chars.ToString();
    }

    private static string ReplaceLoneSurrogates(string text)
    {
        var span = text.AsSpan();
        if (span.IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
        {
            return text;
        }

        char[]? copy = null;
        for (var i = 0; i < span.Length; i++)
        {
            var c = span[i];
            if (char.IsHighSurrogate(c) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1]))
            {
                i++;
                continue;
            }

            if (char.IsSurrogate(c))
            {
                copy ??= span.ToArray();
                copy[i] = '\uFFFD';
            }
        }

        return copy is null ? text : new string(copy);
    }

    private static FileStream OpenOrThrow(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: file not found.", path);
        }

        return File.OpenRead(path);
    }

    private sealed class Workspace
    {
        public const int KeepLimit = 1 << 20;

        public AlignedText First { get; } = new();

        public AlignedText Second { get; } = new();

        public List<(int Start, int End, int Id)> Segments { get; } = [];

        public List<(int Start, int End, int Origin)> Words { get; } = [];

        public List<(int Start, int End, int Origin)> NextWords { get; } = [];

        public List<(int Start, int End)> Spans { get; } = [];
    }
}
