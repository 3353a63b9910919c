using Qianru.Tokenization;

namespace Qianru;

/// <summary>Embedding from token ids: for servers that tokenize (and validate) first and batch later.</summary>
public sealed partial class SentenceEmbedder
{
    /// <summary>
    /// Tokenizes a text as <see cref="Tokenize"/> does (prompt and lower-casing applied) but keeps every token:
    /// the caller decides how to truncate (or to refuse the text).
    /// </summary>
    public TokenizedText TokenizeUntruncated(string text, EmbedOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Tokenizer.Encode(Prepare(text, ResolvePrompt(options ?? EmbedOptions.Default)));
    }

    /// <summary>
    /// <see cref="TokenizeUntruncated"/> plus where each word piece comes from: <c>Input</c> is the text the model
    /// reads (the prompt, if any, then <paramref name="text"/>, before lower-casing) and <c>Offsets</c> holds one
    /// UTF-16 (start, end) span of it per id between <c>[CLS]</c> and <c>[SEP]</c>, or is <see langword="null"/>
    /// when spans cannot be recovered exactly (see <see cref="EmbeddingTokenizer.GetPieceOffsets"/>).
    /// </summary>
    public (TokenizedText Tokens, string Input, (int Start, int End)[]? Offsets) TokenizeWithOffsets(string text, EmbedOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var prompt = ResolvePrompt(options ?? EmbedOptions.Default);
        var input = prompt is null ? text : prompt + text;
        var prepared = Prepare(text, prompt);
        var offsets = prepared.Length == input.Length ? Tokenizer.GetPieceOffsets(prepared) : null;
        return (Tokenizer.Encode(prepared), input, offsets);
    }

    /// <summary>
    /// One model call on a batch already in its final form: <paramref name="batch"/> is run as given (not validated,
    /// sorted or split; the caller checked every id and length and chose the batch), and each sequence's pooled,
    /// unnormalized, full-width vector is written to <paramref name="output"/> (<c>batch.Count × Model.Dimensions</c>,
    /// row-major). For the server's queue, which validates when a request arrives, builds batches across requests and
    /// finishes vectors per request with <see cref="Inference.Pooling.Finish(ReadOnlySpan{float}, int, bool)"/>.
    /// </summary>
    /// <param name="batch">The sequences, each <c>[CLS] … [SEP]</c>.</param>
    /// <param name="skipFirst">Leading tokens pooling leaves out (<see cref="PooledSkip"/>).</param>
    /// <param name="output">Receives the vectors.</param>
    internal void EncodeBatch(IReadOnlyList<long[]> batch, int skipFirst, Span<float> output)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _encoder.Encode(batch, Model.Pooling, skipFirst, output);
    }

    /// <summary>
    /// How many leading tokens pooling leaves out for sequences tokenized with <paramref name="options"/>' prompt
    /// (<see cref="EncodeBatch"/>'s <c>skipFirst</c>); an empty <see cref="EmbedOptions.Prompt"/> means no prompt.
    /// </summary>
    /// <exception cref="QianruException">The options name a prompt the model does not have.</exception>
    internal int PooledSkip(EmbedOptions options) => SkipFirst(ResolvePrompt(options));

    /// <summary>
    /// Embeds sequences of token ids, each <c>[CLS] … [SEP]</c> as <see cref="Tokenize"/> returns them; one vector per
    /// sequence, in input order. Sequences are sorted by length and batched as <see cref="Encode"/> does.
    /// </summary>
    /// <param name="ids">The sequences: 1 to <see cref="Models.ModelInfo.MaxSequenceLength"/> ids each, every id in the vocabulary.</param>
    /// <param name="options">Normalization, dimensions and batch size. The prompt is not prepended (the ids already hold
    /// it, as <see cref="Tokenize"/> gave them with the same options); it only tells how many leading tokens to leave
    /// out of pooling for a model that excludes prompts. An empty <see cref="EmbedOptions.Prompt"/> means no prompt.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <exception cref="ArgumentException">An empty or too long sequence, or an id outside the vocabulary.</exception>
    public EmbeddingBatch EncodeTokens(IReadOnlyList<long[]> ids, EmbedOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ObjectDisposedException.ThrowIf(_disposed, this);
        options ??= EmbedOptions.Default;
        if (options.Dimensions is { } d && d > Model.Dimensions)
        {
            throw new ArgumentOutOfRangeException(nameof(options), d, $"Dimensions must be between 1 and {Model.Dimensions} for model {Model.Id}.");
        }

        var vocabulary = Tokenizer.VocabularySize;
        var unknown = new double[ids.Count];
        for (var i = 0; i < ids.Count; i++)
        {
            var sequence = ids[i] ?? throw new ArgumentException($"Sequence {i} is null.", nameof(ids));
            if (sequence.Length == 0 || sequence.Length > Model.MaxSequenceLength)
            {
                throw new ArgumentException($"Sequence {i} has {sequence.Length} ids; model {Model.Id} takes 1 to {Model.MaxSequenceLength}.", nameof(ids));
            }

            var unknownCount = 0;
            foreach (var id in sequence)
            {
                if (id < 0 || id >= vocabulary)
                {
                    throw new ArgumentException($"Sequence {i} holds token id {id}; model {Model.Id} has ids 0 to {vocabulary - 1}.", nameof(ids));
                }

                unknownCount += id == Tokenizer.UnknownId ? 1 : 0;
            }

            unknown[i] = sequence.Length <= 2 ? 0 : (double)unknownCount / (sequence.Length - 2);
        }

        var vectors = RunBatches(ids, options, ResolvePrompt(options), null, cancellationToken);

        return new EmbeddingBatch(
            vectors,
            [.. ids.Select(s => s.Length)],
            new bool[ids.Count],
            unknown);
    }
}
