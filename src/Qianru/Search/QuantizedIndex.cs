using System.Numerics;
using System.Numerics.Tensors;
using Qianru.Numerics;
using Qianru.Similarity;

namespace Qianru.Search;

/// <summary>
/// Exact search over quantized corpus vectors (int8 or binary), with optional rescoring of the best candidates
/// with the float vectors, as sentence-transformers' <c>semantic_search_usearch/faiss</c> with <c>rescore</c>.
/// </summary>
/// <remarks>
/// <para>Int8: the query stays float and is compared with each dequantized corpus vector (asymmetric distance), so
/// only the corpus is compressed (4×). Binary: the query is binarized too and candidates are ranked by Hamming
/// distance (32× smaller, much faster, coarser).</para>
/// <para>With <c>rescore</c> &gt; 0, the best <c>rescore</c> candidates per query (at least k) are rescored with the
/// float corpus vectors and the metric, and the top k returned; without, int8 hits carry the metric on the
/// dequantized vectors and binary hits the Hamming distance (lower is closer). Thread-safe for searching.</para>
/// </remarks>
public sealed class QuantizedIndex : IVectorIndex
{
    private readonly VectorMatrix _floats;
    private readonly Int8Quantizer? _int8;
    private readonly byte[]? _bytes;           // int8 codes shifted to 0..255, row after row
    private readonly float[]? _squaredNorms;   // of the dequantized vectors
    private readonly ulong[][]? _bits;

    private QuantizedIndex(VectorMatrix floats, QuantizationKind kind, SimilarityMetric metric, Int8Quantizer? int8, byte[]? bytes, float[]? squaredNorms, ulong[][]? bits)
    {
        _floats = floats;
        Kind = kind;
        Metric = metric;
        _int8 = int8;
        _bytes = bytes;
        _squaredNorms = squaredNorms;
        _bits = bits;
    }

    /// <summary>How the corpus is quantized.</summary>
    public QuantizationKind Kind { get; }

    /// <summary>The number of corpus vectors.</summary>
    public int Count => _floats.Rows;

    /// <inheritdoc/>
    public int Dimensions => _floats.Dimensions;

    /// <summary>Cosine, dot or Euclidean: ranks int8 candidates and rescored hits (binary candidates are ranked by Hamming distance).</summary>
    public SimilarityMetric Metric { get; }

    /// <summary>Bytes used by the quantized corpus (the float vectors kept for rescoring not counted).</summary>
    public long QuantizedBytes => _bytes is not null ? _bytes.LongLength
        : (long)_bits!.Length * (_bits.Length > 0 ? _bits[0].Length * 8 : 0);

    /// <summary>
    /// Quantizes <paramref name="corpus"/>. Int8 ranges come from <paramref name="calibration"/> (null: the corpus
    /// itself). The float corpus is kept (by reference) for rescoring.
    /// </summary>
    /// <exception cref="NotSupportedException">The Manhattan metric.</exception>
    public static QuantizedIndex Build(IReadOnlyList<float[]> corpus, QuantizationKind kind, IReadOnlyList<float[]>? calibration = null, SimilarityMetric metric = SimilarityMetric.Cosine)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        if (corpus.Count == 0)
        {
            throw new ArgumentException("cannot build an index from no vectors", nameof(corpus));
        }

        return Build(
            VectorMatrix.FromRows(corpus),
            kind,
            calibration is null || kind != QuantizationKind.Int8 ? null : Int8Quantizer.Fit(calibration),
            metric);
    }

    /// <summary>
    /// Quantizes the rows of <paramref name="corpus"/>, kept by reference for rescoring. Int8 ranges come from the
    /// rows of <paramref name="calibration"/> (null: the corpus itself).
    /// </summary>
    /// <exception cref="NotSupportedException">The Manhattan metric.</exception>
    public static QuantizedIndex Build(VectorMatrix corpus, QuantizationKind kind, VectorMatrix? calibration = null, SimilarityMetric metric = SimilarityMetric.Cosine)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        return Build(corpus, kind, calibration is null || kind != QuantizationKind.Int8 ? null : Int8Quantizer.Fit(calibration), metric);
    }

    private static QuantizedIndex Build(VectorMatrix corpus, QuantizationKind kind, Int8Quantizer? calibrated, SimilarityMetric metric)
    {
        if (corpus.Rows == 0)
        {
            throw new ArgumentException("cannot build an index from no vectors", nameof(corpus));
        }

        if (metric == SimilarityMetric.Manhattan)
        {
            throw new NotSupportedException("quantized search supports cosine, dot and euclidean; not manhattan");
        }

        var dims = corpus.Dimensions;
        if (kind == QuantizationKind.Int8)
        {
            var quantizer = calibrated ?? Int8Quantizer.Fit(corpus);
            if (quantizer.Dimensions != dims)
            {
                throw new ArgumentException($"calibration vectors have {quantizer.Dimensions} dimensions but the corpus has {dims}", nameof(calibrated));
            }

            var bytes = new byte[(long)corpus.Rows * dims];
            var norms = new float[corpus.Rows];
            Parallel.For(0, corpus.Rows, () => new sbyte[dims], (i, _, codes) =>
            {
                quantizer.Quantize(corpus.Row(i), codes);
                var shifted = bytes.AsSpan(i * dims, dims);
                for (var j = 0; j < dims; j++)
                {
                    shifted[j] = (byte)(codes[j] + 128);
                }

                var dequantized = quantizer.Dequantize(codes);
                norms[i] = TensorPrimitives.Dot(dequantized, dequantized);
                return codes;
            }, _ => { });
            return new QuantizedIndex(corpus, kind, metric, quantizer, bytes, norms, null);
        }

        var words = (dims + 63) / 64;
        var bits = new ulong[corpus.Rows][];
        Parallel.For(0, corpus.Rows, i =>
        {
            bits[i] = new ulong[words];
            BinaryQuantizer.QuantizeWords(corpus.Row(i), bits[i]);
        });
        return new QuantizedIndex(corpus, kind, metric, null, null, null, bits);
    }

    /// <summary>Searches; see the remarks for what the scores are. <see cref="VectorSearchOptions.Rescore"/> sets rescoring.</summary>
    public SearchHit[][] Search(VectorMatrix queries, int k, VectorSearchOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var metric = Metric;
        var rescore = options?.Rescore ?? 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options?.MaxDegreeOfParallelism ?? -1, CancellationToken = cancellationToken };
        var dims = _floats.Dimensions;
        if (queries.Rows > 0 && queries.Dimensions != dims)
        {
            throw new ArgumentException($"a query has {queries.Dimensions} dimensions but the corpus has {dims}", nameof(queries));
        }

        var candidates = Math.Min(rescore > 0 ? Math.Max(rescore, k) : k, Count);
        var results = new SearchHit[queries.Rows][];
        void Finish(int q, TopKCollector collector)
        {
            var kept = collector.ToSortedArray();
            if (rescore > 0)
            {
                results[q] = Rescore(queries[q], kept, metric, k);
            }
            else if (Kind == QuantizationKind.Binary)
            {
                results[q] = [.. kept.Take(k).Select(h => new SearchHit(h.Id, -h.Score))];
            }
            else
            {
                results[q] = [.. kept.Take(k).Select(h => new SearchHit(h.Id, metric == SimilarityMetric.Euclidean ? MathF.Sqrt(MathF.Max(0, -h.Score)) : h.Score))];
            }
        }

        if (Kind == QuantizationKind.Int8)
        {
            // Blocks of four queries share each widened row of codes.
            Parallel.For(0, (queries.Rows + 3) / 4, parallel, block =>
            {
                var first = block * 4;
                var count = Math.Min(4, queries.Rows - first);
                var collectors = Enumerable.Range(0, count).Select(_ => new TopKCollector(candidates)).ToArray();
                ScoreInt8(queries, first, count, metric, collectors);
                for (var i = 0; i < count; i++)
                {
                    Finish(first + i, collectors[i]);
                }
            });
            return results;
        }

        Parallel.For(0, queries.Rows, parallel, q =>
        {
            var collector = new TopKCollector(candidates);
            ScoreBinary(queries[q], collector);
            Finish(q, collector);
        });
        return results;
    }

    private void ScoreInt8(VectorMatrix queries, int first, int count, SimilarityMetric metric, TopKCollector[] collectors)
    {
        // q · dequantized(c) = Σ q_j·start_j + Σ (q_j·step_j) · code_j
        var dims = queries.Dimensions;
        var weights = new float[4][];
        var offsets = new float[4];
        var norms2 = new float[4];
        for (var i = 0; i < 4; i++)
        {
            weights[i] = new float[dims];
            if (i < count)
            {
                var query = queries.Row(first + i);
                TensorPrimitives.Multiply(query, _int8!.Steps, weights[i]);
                offsets[i] = TensorPrimitives.Dot(query, _int8.Starts);
                norms2[i] = TensorPrimitives.Dot(query, query);
            }
        }

        var dots = new float[4];
        var rows = _squaredNorms!.Length;
        for (var r = 0; r < rows; r++)
        {
            Int8DotKernel.Dot4(_bytes.AsSpan(r * dims, dims), weights[0], weights[1], weights[2], weights[3], dots);
            for (var i = 0; i < count; i++)
            {
                var dot = offsets[i] + dots[i];
                var score = metric switch
                {
                    SimilarityMetric.Cosine => norms2[i] == 0 || _squaredNorms[r] == 0 ? 0 : dot / MathF.Sqrt(norms2[i] * _squaredNorms[r]),
                    SimilarityMetric.Dot => dot,
                    _ => -(norms2[i] - (2 * dot) + _squaredNorms[r]),
                };
                if (collectors[i].WouldAccept(score, r))
                {
                    collectors[i].Offer(score, r);
                }
            }
        }
    }

    private void ScoreBinary(ReadOnlySpan<float> query, TopKCollector collector)
    {
        var words = new ulong[_bits![0].Length];
        BinaryQuantizer.QuantizeWords(query, words);
        for (var i = 0; i < _bits.Length; i++)
        {
            var row = _bits[i];
            var distance = 0;
            for (var w = 0; w < words.Length; w++)
            {
                distance += BitOperations.PopCount(words[w] ^ row[w]);
            }

            if (collector.WouldAccept(-distance, i))
            {
                collector.Offer(-distance, i);
            }
        }
    }

    private SearchHit[] Rescore(ReadOnlySpan<float> query, (float Score, int Id)[] candidates, SimilarityMetric metric, int k)
    {
        var rescored = new SearchHit[candidates.Length];
        for (var i = 0; i < candidates.Length; i++)
        {
            rescored[i] = new SearchHit(candidates[i].Id, VectorSimilarity.Compute(metric, query, _floats.Row(candidates[i].Id)));
        }

        var higher = VectorSimilarity.HigherIsCloser(metric);
        Array.Sort(rescored, (a, b) =>
        {
            var byScore = higher ? b.Score.CompareTo(a.Score) : a.Score.CompareTo(b.Score);
            return byScore != 0 ? byScore : a.Id.CompareTo(b.Id);
        });
        return rescored.Length > k ? rescored[..k] : rescored;
    }
}
