using Microsoft.Extensions.AI;
using Qianru.Inference;
using Qianru.Models;
using Qianru.Tokenization;

namespace Qianru;

/// <summary>
/// Turns texts into the vectors sentence-transformers produces, locally on CPU with ONNX Runtime.
/// </summary>
/// <remarks>
/// <para>Load with <see cref="Create(string?, EmbedderOptions?)"/>: an embedded model id (<c>minilm</c>, the default, or
/// <c>arctic-xs</c>), a sentence-transformers / Hugging Face model folder, or a Hugging Face model id
/// (<c>BAAI/bge-small-zh-v1.5</c>) from the Hugging Face cache. A folder runs its ONNX export (<c>model.onnx</c> or
/// <c>onnx/model.onnx</c>) or, without one, its weights (<c>model.safetensors</c> or <c>pytorch_model.bin</c> of a BERT or
/// XLM-RoBERTa model), from which Qianru builds the ONNX graph once and caches it.
/// Tokenization, pooling, normalization, truncation and prompts follow the folder's configuration files as
/// sentence-transformers reads them.</para>
/// <para>Texts are sorted by token count and batched so that padding is minimal; results come back in input order.
/// An instance is immutable after creation and safe for concurrent callers.</para>
/// </remarks>
public sealed partial class SentenceEmbedder : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly ModelDefinition _model;
    private readonly OnnxEncoder _encoder;
    private readonly EmbedderOptions _options;
    private volatile bool _disposed;

    private SentenceEmbedder(ModelDefinition model, OnnxEncoder encoder, EmbedderOptions options)
    {
        _model = model;
        _encoder = encoder;
        _options = options;
        var dims = encoder.Dimensions > 0 ? encoder.Dimensions : model.Info.Dimensions;
        if (model.Info.Dimensions > 0 && encoder.Dimensions > 0 && model.Info.Dimensions != encoder.Dimensions)
        {
            throw new InvalidDataException($"{model.Info.Source}: the pooling configuration says {model.Info.Dimensions} dimensions but the ONNX model outputs {encoder.Dimensions}.");
        }

        Model = model.Info with { Dimensions = dims, Fingerprint = ModelFingerprint.Compute(model, dims) };
    }

    /// <summary>The model's settings.</summary>
    public ModelInfo Model { get; }

    /// <summary>The model's tokenizer.</summary>
    public EmbeddingTokenizer Tokenizer => _model.Tokenizer;

    /// <summary>
    /// Loads a model spec (<see cref="ModelSpec.Parse"/>): an embedded model id (<c>minilm</c>, <c>arctic-xs</c>;
    /// <see langword="null"/> = <c>minilm</c>), a model folder (relative to the current directory), or a Hugging Face
    /// model id <c>ORG/NAME[@REVISION]</c>, taken from the Hugging Face cache or downloaded into it first
    /// (<see cref="Models.Hub.HuggingFaceHub"/>; environment as huggingface_hub reads it).
    /// </summary>
    /// <exception cref="QianruException">Unknown model id, a folder that is not a supported model, or a failed download.</exception>
    /// <exception cref="NotSupportedException">The folder uses a module, pooling or tokenizer Qianru does not run.</exception>
    public static SentenceEmbedder Create(string? modelIdOrPath = null, EmbedderOptions? options = null) =>
        Create(ModelLoader.Load(modelIdOrPath), options);

    /// <summary>Loads a model whose files <see cref="ModelSpec.Resolve"/> found; see <see cref="Create(string?, EmbedderOptions?)"/>.</summary>
    /// <exception cref="QianruException">A words: spec (see WordVectorSentenceEmbedder), or a folder that is not a supported model.</exception>
    public static SentenceEmbedder Create(ResolvedModel model, EmbedderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Create(ModelLoader.Load(model), options);
    }

    /// <summary>Loads a model off the calling thread; see <see cref="Create(string?, EmbedderOptions?)"/>.</summary>
    public static Task<SentenceEmbedder> CreateAsync(string? modelIdOrPath = null, EmbedderOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => Create(modelIdOrPath, options), cancellationToken);

    private static SentenceEmbedder Create(ModelDefinition model, EmbedderOptions? options)
    {
        options ??= new EmbedderOptions();
        var encoder = OnnxEncoder.Create(model, options.Threads ?? Environment.ProcessorCount);
        try
        {
            return new SentenceEmbedder(model, encoder, options);
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }

    /// <summary>Tokenizes a text as it would be embedded (prompt, lower-casing and truncation applied).</summary>
    public TokenizedText Tokenize(string text, EmbedOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Tokenizer.Encode(Prepare(text, ResolvePrompt(options ?? EmbedOptions.Default)), Model.MaxSequenceLength);
    }

    /// <summary>Embeds one text.</summary>
    public float[] Embed(string text, EmbedOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        // A one-row matrix's array is exactly the vector, and nothing else holds the matrix.
        return Encode([text], options).Matrix.Data;
    }

    /// <summary>Embeds a search query: with the model's <c>query</c> prompt where it has one (as LangChain's embed_query).</summary>
    public float[] EmbedQuery(string query, EmbedOptions? options = null) =>
        Embed(query, Model.QueryPrompt is null || options?.Prompt is not null || options?.PromptName is not null
            ? options
            : With(options, promptName: "query"));

    /// <summary>Embeds documents to search in (no prompt unless the model has a default one), as LangChain's embed_documents.</summary>
    public float[][] EmbedDocuments(IReadOnlyList<string> documents, EmbedOptions? options = null) => EmbedBatch(documents, options);

    /// <summary>Embeds texts; one array per text, in input order (<see cref="EmbedMatrix"/> without the copy).</summary>
    public float[][] EmbedBatch(IReadOnlyList<string> texts, EmbedOptions? options = null, IProgress<int>? progress = null, CancellationToken cancellationToken = default) =>
        EmbedMatrix(texts, options, progress, cancellationToken).ToArrays();

    /// <summary>
    /// Embeds texts into one matrix, a row per text in input order: the form search, clustering, collections and
    /// vector files take without copying.
    /// </summary>
    public VectorMatrix EmbedMatrix(IReadOnlyList<string> texts, EmbedOptions? options = null, IProgress<int>? progress = null, CancellationToken cancellationToken = default) =>
        Encode(texts, options, progress, cancellationToken).Matrix;

    /// <summary>
    /// Embeds texts and reports what tokenization found (token counts, truncation, unknown tokens).
    /// </summary>
    /// <param name="texts">The texts; an empty text gives the vector of <c>[CLS] [SEP]</c>.</param>
    /// <param name="options">Normalization, prompt, dimensions and batch size; <see langword="null"/> = the model's defaults.</param>
    /// <param name="progress">Receives the number of texts done after each batch.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    public EmbeddingBatch Encode(IReadOnlyList<string> texts, EmbedOptions? options = null, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ObjectDisposedException.ThrowIf(_disposed, this);
        options ??= EmbedOptions.Default;
        if (options.Dimensions is { } d && d > Model.Dimensions)
        {
            throw new ArgumentOutOfRangeException(nameof(options), d, $"Dimensions must be between 1 and {Model.Dimensions} for model {Model.Id}.");
        }

        var prompt = ResolvePrompt(options);
        var tokenized = new TokenizedText[texts.Count];
        for (var i = 0; i < texts.Count; i++)
        {
            var text = texts[i] ?? throw new ArgumentException($"Text {i} is null.", nameof(texts));
            tokenized[i] = Tokenizer.Encode(Prepare(text, prompt), Model.MaxSequenceLength);
        }

        var vectors = RunBatches([.. tokenized.Select(t => t.Ids)], options, prompt, progress, cancellationToken);
        return new EmbeddingBatch(
            vectors,
            [.. tokenized.Select(t => t.Length)],
            [.. tokenized.Select(t => t.Truncated)],
            [.. tokenized.Select(t => t.UnknownFraction)]);
    }

    /// <summary>
    /// Runs id sequences through the model in batches sorted by length (longest first), at most
    /// <see cref="EmbedOptions.BatchSize"/> sequences and <see cref="EmbedderOptions.MaxBatchTokens"/> padded tokens
    /// per call, then pools, truncates to the asked dimensions and normalizes; vectors come back in input order.
    /// </summary>
    private VectorMatrix RunBatches(IReadOnlyList<long[]> ids, EmbedOptions options, string? prompt, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var skipFirst = SkipFirst(prompt);
        var dim = Model.Dimensions;
        var outDim = options.Dimensions ?? dim;
        var normalize = options.Normalize ?? Model.Normalize;
        var vectors = new VectorMatrix(ids.Count, outDim);
        var order = Enumerable.Range(0, ids.Count).OrderByDescending(i => ids[i].Length).ThenBy(i => i).ToArray();
        var done = 0;
        var pooled = new float[options.BatchSize * dim];
        var batch = new List<long[]>(options.BatchSize);
        var members = new List<int>(options.BatchSize);
        for (var start = 0; start < order.Length;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            batch.Clear();
            members.Clear();
            var width = ids[order[start]].Length;
            while (start < order.Length && batch.Count < options.BatchSize
                && (batch.Count == 0 || (batch.Count + 1) * width <= _options.MaxBatchTokens))
            {
                members.Add(order[start]);
                batch.Add(ids[order[start]]);
                start++;
            }

            _encoder.Encode(batch, Model.Pooling, skipFirst, pooled);
            for (var j = 0; j < members.Count; j++)
            {
                Pooling.Finish(pooled.AsSpan(j * dim, dim), normalize, vectors.Row(members[j]));
            }

            done += members.Count;
            progress?.Report(done);
        }

        return vectors;
    }

    /// <inheritdoc/>
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var texts = values as IReadOnlyList<string> ?? [.. values];
        var embedOptions = options?.Dimensions is { } d ? new EmbedOptions { Dimensions = d } : null;
        return Task.Run(() =>
        {
            var result = Encode(texts, embedOptions, cancellationToken: cancellationToken);
            var created = DateTimeOffset.UtcNow;
            var embeddings = new GeneratedEmbeddings<Embedding<float>>(result.Vectors.Select(v => new Embedding<float>(v) { ModelId = Model.Id, CreatedAt = created }))
            {
                Usage = new UsageDetails { InputTokenCount = result.TotalTokens, TotalTokenCount = result.TotalTokens },
            };
            return embeddings;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(EmbeddingGeneratorMetadata))
        {
            return new EmbeddingGeneratorMetadata("qianru", null, Model.Id, Model.Dimensions);
        }

        return serviceType.IsInstanceOfType(this) ? this : serviceType == typeof(ModelInfo) ? Model : null;
    }

    /// <summary>Releases the ONNX Runtime session.</summary>
    public void Dispose()
    {
        _disposed = true;
        _encoder.Dispose();
    }

    private string? ResolvePrompt(EmbedOptions options)
    {
        if (options.Prompt is not null)
        {
            return options.Prompt;
        }

        var name = options.PromptName ?? Model.DefaultPromptName;
        if (name is null)
        {
            return null;
        }

        return Model.Prompts.TryGetValue(name, out var prompt)
            ? prompt
            : throw new QianruException($"Model {Model.Id} has no prompt named '{name}'; its prompts: {(Model.Prompts.Count == 0 ? "none" : string.Join(", ", Model.Prompts.Keys))}.");
    }

    /// <summary>How many leading tokens (<c>[CLS]</c> and the prompt's) pooling leaves out: none unless the model excludes its prompt.</summary>
    private int SkipFirst(string? prompt) =>
        !string.IsNullOrEmpty(prompt) && !Model.IncludePrompt ? Tokenizer.Encode(Prepare("", prompt)).Length - 1 : 0;

    private string Prepare(string text, string? prompt)
    {
        var full = prompt is null ? text : prompt + text;
        return Model.DoLowerCase ? full.ToLowerInvariant() : full;
    }

    private static EmbedOptions With(EmbedOptions? o, string promptName) => new()
    {
        Normalize = o?.Normalize,
        Dimensions = o?.Dimensions,
        BatchSize = o?.BatchSize ?? 32,
        PromptName = promptName,
    };
}
