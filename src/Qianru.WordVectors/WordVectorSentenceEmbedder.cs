using System.Numerics.Tensors;
using Microsoft.Extensions.AI;
using Qianru.Similarity;

namespace Qianru.WordVectors;

/// <summary>
/// Sentence vectors from word vectors — mean or SIF — as an <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>, so they
/// work wherever sentence embeddings do (similarity, clustering, search). The offline way to embed Chinese text
/// (<c>Language = "zh"</c>, jieba) without a Transformer model; model id <c>words:FILE.vec</c>.
/// </summary>
/// <remarks>
/// SIF weights a word by a/(a + p(w)), with p(w) its corpus frequency when the vectors carry counts (trained or native files)
/// and otherwise Zipf's estimate from its rank r (files are sorted by frequency): p = 1/(r·H_N). The paper removes the first
/// principal component of the sentence vectors of the data set at hand; call <see cref="FitPrincipalComponent"/> with your
/// texts for exactly that. Unfitted, the component is estimated from the vocabulary alone (the top singular vector of the
/// frequency-weighted word vectors of the 20,000 commonest words), so every text gets the same vector whatever it is batched
/// with. Words without a vector are skipped; a text with none gives the zero vector. Thread-safe.
/// Reference: Arora, Liang, Ma, "A Simple but Tough-to-Beat Baseline for Sentence Embeddings", ICLR 2017.
/// </remarks>
public sealed class WordVectorSentenceEmbedder : IEmbeddingGenerator<string, Embedding<float>>
{
    private const int ComponentVocabulary = 20000;
    private readonly KeyedVectors _vectors;
    private readonly bool _ownsVectors;
    private readonly WordVectorSentenceEmbedderOptions _options;
    private readonly CorpusTokenizer _tokenizer;
    private readonly float[] _weights;
    private readonly Lazy<float[]?> _component;
    private readonly string _modelId;

    private WordVectorSentenceEmbedder(KeyedVectors vectors, bool owns, WordVectorSentenceEmbedderOptions options, string modelId, float[]? component)
    {
        _vectors = vectors;
        _ownsVectors = owns;
        _options = options;
        _modelId = modelId;
        _tokenizer = CorpusTokenizer.Create(options.Language);
        _weights = SifWeights(vectors, options.SifA);
        _component = component is not null
            ? new Lazy<float[]?>(component)
            : new Lazy<float[]?>(() => options.Pooling == SentencePooling.Sif && options.RemovePrincipalComponent ? VocabularyComponent() : null);
    }

    /// <summary>The vector length.</summary>
    public int Dimensions => _vectors.Dimensions;

    /// <summary>The word vectors used.</summary>
    public KeyedVectors Vectors => _vectors;

    /// <summary>The first principal component removed by SIF (unit length), or null for mean pooling.</summary>
    public ReadOnlySpan<float> PrincipalComponent => _component.Value;

    /// <summary>Creates an embedder over loaded vectors (not disposed with the embedder).</summary>
    public static WordVectorSentenceEmbedder Create(KeyedVectors vectors, WordVectorSentenceEmbedderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        return new WordVectorSentenceEmbedder(vectors, false, options ?? new WordVectorSentenceEmbedderOptions(), "words:memory", null);
    }

    /// <summary>
    /// Creates an embedder from a vectors file, or a model id <c>words:FILE</c> (optionally <c>words:FILE#mean</c> or
    /// <c>words:FILE#sif</c>); it owns the loaded vectors.
    /// </summary>
    public static WordVectorSentenceEmbedder Create(string pathOrModelId, WordVectorSentenceEmbedderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(pathOrModelId);
        var spec = Models.ModelSpec.Parse(pathOrModelId.StartsWith("words:", StringComparison.OrdinalIgnoreCase) ? pathOrModelId : "words:" + pathOrModelId);
        return Create(spec.Resolve(), options);
    }

    /// <summary>Creates an embedder for a resolved <c>words:FILE[#mean|#sif]</c> spec (<see cref="Models.ModelSpec"/>); it owns the loaded vectors.</summary>
    /// <exception cref="ArgumentException">The spec is not a words: spec.</exception>
    public static WordVectorSentenceEmbedder Create(Models.ResolvedModel model, WordVectorSentenceEmbedderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Kind != Models.ModelSpecKind.WordVectors)
        {
            throw new ArgumentException($"{model.Spec.Text}: not a words:FILE spec.", nameof(model));
        }

        options ??= new WordVectorSentenceEmbedderOptions();
        if (model.Spec.WordPooling is { } pooling)
        {
            options = new WordVectorSentenceEmbedderOptions
            {
                Pooling = pooling == "mean" ? SentencePooling.Mean : SentencePooling.Sif,
                SifA = options.SifA,
                Language = options.Language,
                Normalize = options.Normalize,
                RemovePrincipalComponent = options.RemovePrincipalComponent,
            };
        }

        var path = model.Spec.Path!;
        var vectors = KeyedVectors.Load(path);
        return new WordVectorSentenceEmbedder(vectors, true, options, "words:" + path, null);
    }

    /// <summary>
    /// Returns an embedder that removes the first principal component of the SIF vectors of <paramref name="texts"/>
    /// (the paper's procedure, e.g. on the documents being indexed); shares the vectors with this one.
    /// </summary>
    public WordVectorSentenceEmbedder FitPrincipalComponent(IEnumerable<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var rows = texts.Select(t => Weighted(t, sif: true)).ToArray();
        if (rows.Length == 0)
        {
            throw new ArgumentException("give at least one text to fit the principal component on", nameof(texts));
        }

        var component = TopSingularVector(Dimensions, (v, result) =>
        {
            foreach (var r in rows)
            {
                TensorPrimitives.MultiplyAdd(r, TensorPrimitives.Dot(r, v), result, result);
            }
        });
        return new WordVectorSentenceEmbedder(_vectors, false, _options, _modelId, component);
    }

    /// <summary>The sentence vector of <paramref name="text"/>.</summary>
    public float[] Embed(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sif = _options.Pooling == SentencePooling.Sif;
        var v = Weighted(text, sif);
        if (sif && _component.Value is { } u)
        {
            TensorPrimitives.MultiplyAdd(u, -TensorPrimitives.Dot(v, u), v, v);
        }

        if (_options.Normalize)
        {
            VectorSimilarity.Normalize(v);
        }

        return v;
    }

    /// <summary>The sentence vectors of <paramref name="texts"/>, in order (each independent of the others).</summary>
    public float[][] EmbedBatch(IReadOnlyList<string> texts) => EmbedMatrix(texts).ToArrays();

    /// <summary>
    /// The sentence vectors of <paramref name="texts"/> as one matrix, a row per text in order: the form search,
    /// clustering and vector files take without copying.
    /// </summary>
    public VectorMatrix EmbedMatrix(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var result = new VectorMatrix(texts.Count, Dimensions);
        Parallel.For(0, texts.Count, i => Embed(texts[i]).CopyTo(result.Row(i)));
        return result;
    }

    /// <inheritdoc />
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (options?.Dimensions is { } d && d != Dimensions)
        {
            throw new NotSupportedException($"these word vectors have {Dimensions} dimensions; {d} were asked for");
        }

        var texts = values.ToList();
        cancellationToken.ThrowIfCancellationRequested();
        var vectors = EmbedBatch(texts);
        var embeddings = new GeneratedEmbeddings<Embedding<float>>(vectors.Select(v => new Embedding<float>(v) { ModelId = _modelId }));
        return Task.FromResult(embeddings);
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(EmbeddingGeneratorMetadata))
        {
            return new EmbeddingGeneratorMetadata("qianru-words", null, _modelId, Dimensions);
        }

        return serviceType.IsInstanceOfType(this) ? this : serviceType.IsInstanceOfType(_vectors) ? _vectors : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsVectors)
        {
            _vectors.Dispose();
        }
    }

    /// <summary>The (SIF-weighted when <paramref name="sif"/>) mean of the word vectors of a text.</summary>
    private float[] Weighted(string text, bool sif)
    {
        var v = new float[Dimensions];
        var known = 0;
        foreach (var word in _tokenizer.Tokenize(text))
        {
            var index = _vectors.IndexOf(word);
            if (index >= 0)
            {
                TensorPrimitives.MultiplyAdd(_vectors.GetRow(index), sif ? _weights[index] : 1f, v, v);
            }
            else if (_vectors.HasSubwords && _vectors.HasVector(word))
            {
                // Unseen words are rare: weight them as the rarest known word.
                TensorPrimitives.MultiplyAdd(_vectors.GetVector(word), sif ? _weights[^1] : 1f, v, v);
            }
            else
            {
                continue;
            }

            known++;
        }

        if (known > 0)
        {
            TensorPrimitives.Divide(v, known, v);
        }

        return v;
    }

    private static float[] SifWeights(KeyedVectors vectors, double a)
    {
        var weights = new float[vectors.Count];
        if (vectors.Counts is { } counts)
        {
            double total = counts.Sum();
            for (var i = 0; i < weights.Length; i++)
            {
                weights[i] = (float)(a / (a + counts[i] / total));
            }
        }
        else
        {
            double harmonic = 0;
            for (var k = 1; k <= vectors.Count; k++)
            {
                harmonic += 1.0 / k;
            }

            for (var i = 0; i < weights.Length; i++)
            {
                weights[i] = (float)(a / (a + 1.0 / ((i + 1) * harmonic)));
            }
        }

        return weights;
    }

    private float[] VocabularyComponent()
    {
        var n = Math.Min(ComponentVocabulary, _vectors.Count);
        var rows = new float[n][];
        var frequencies = new double[n];
        double total = 0;
        for (var i = 0; i < n; i++)
        {
            rows[i] = _vectors.GetRow(i).ToArray();
            TensorPrimitives.Multiply(rows[i], _weights[i], rows[i]);
            frequencies[i] = _vectors.Counts is { } c ? c[i] : 1.0 / (i + 1);
            total += frequencies[i];
        }

        // Second moment of a sentence vector: the frequency-weighted outer products plus the outer product of the mean.
        var mean = new float[Dimensions];
        for (var i = 0; i < n; i++)
        {
            TensorPrimitives.MultiplyAdd(rows[i], (float)(frequencies[i] / total), mean, mean);
        }

        return TopSingularVector(Dimensions, (v, result) =>
        {
            for (var i = 0; i < n; i++)
            {
                TensorPrimitives.MultiplyAdd(rows[i], (float)(frequencies[i] / total * TensorPrimitives.Dot(rows[i], v)), result, result);
            }

            TensorPrimitives.MultiplyAdd(mean, TensorPrimitives.Dot(mean, v), result, result);
        });
    }

    /// <summary>Power iteration for the top eigenvector of a symmetric positive semi-definite operator.</summary>
    private static float[] TopSingularVector(int dimensions, Action<float[], float[]> multiply)
    {
        var v = new float[dimensions];
        var random = new Random(12345);
        for (var i = 0; i < dimensions; i++)
        {
            v[i] = (float)(random.NextDouble() - 0.5);
        }

        var next = new float[dimensions];
        for (var iteration = 0; iteration < 300; iteration++)
        {
            Array.Clear(next);
            multiply(v, next);
            var norm = TensorPrimitives.Norm(next);
            if (norm == 0)
            {
                return next;
            }

            TensorPrimitives.Divide(next, norm, next);
            var change = TensorPrimitives.Distance(next, v);
            (v, next) = (next, v);
            if (change < 1e-7f)
            {
                break;
            }
        }

        return v;
    }
}
