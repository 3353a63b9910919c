using System.Numerics.Tensors;
using Qianru.Numerics;
using Qianru.Similarity;

namespace Qianru.Search;

/// <summary>
/// Exact (brute-force) semantic search: for each query, the top-k corpus vectors by a <see cref="SimilarityMetric"/>,
/// best first, ties broken towards the lower corpus id; and paraphrase mining (the closest pairs within one corpus).
/// </summary>
/// <remarks>
/// <para>The corpus is scored in chunks of <see cref="SemanticSearchOptions.ChunkSize"/> vectors on all cores; each
/// worker keeps only a k-best heap per query, so memory is bounded by threads × queries × k whatever the corpus
/// size (no query × corpus score matrix is built). Dot products use the library's one SIMD kernel family
/// (<c>Qianru.Numerics</c>): corpus panels with 512-bit SIMD, a register-blocked block kernel otherwise.</para>
/// <para>Cosine divides the dot product by precomputed norms. Euclidean candidates are ranked by
/// ‖q‖² + ‖c‖² − 2 q·c, then the best k + 4 are rescored exactly with
/// <see cref="TensorPrimitives.Distance(ReadOnlySpan{float}, ReadOnlySpan{float})"/> and the top k returned.
/// Manhattan is computed pair by pair with <see cref="TensorPrimitives"/>.</para>
/// <para>Thread-safe; the inputs must not be modified during a call.
/// Reference: sentence-transformers <c>util.semantic_search</c> and <c>util.paraphrase_mining</c>.</para>
/// </remarks>
public static class SemanticSearch
{
    private const int QueryBlock = 24;
    private const int EuclideanExtra = 4;

    /// <summary>Returns, for each query, its top-k corpus hits, best first.</summary>
    /// <param name="queries">The query vectors.</param>
    /// <param name="corpus">The corpus vectors; a hit's <see cref="SearchHit.Id"/> is an index into it.</param>
    /// <param name="options">k, metric, chunk size and parallelism; null for the defaults (top 10 by cosine).</param>
    /// <param name="cancellationToken">Stops the search between chunks.</param>
    /// <returns>One array per query, with min(k, corpus size) hits each.</returns>
    /// <exception cref="ArgumentException">The vectors do not all have the same dimensions.</exception>
    public static SearchHit[][] Search(
        IReadOnlyList<float[]> queries,
        IReadOnlyList<float[]> corpus,
        SemanticSearchOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(corpus);
        var dims = CheckDimensions(queries, corpus);
        return Search(VectorMatrix.FromRows(queries, dims), VectorMatrix.FromRows(corpus, dims), options, cancellationToken);
    }

    /// <summary>Returns, for each query row, its top-k corpus hits, best first.</summary>
    /// <param name="queries">The query vectors, a row each.</param>
    /// <param name="corpus">The corpus vectors; a hit's <see cref="SearchHit.Id"/> is a row of it.</param>
    /// <param name="options">k, metric, chunk size and parallelism; null for the defaults (top 10 by cosine).</param>
    /// <param name="cancellationToken">Stops the search between chunks.</param>
    /// <returns>One array per query, with min(k, corpus size) hits each.</returns>
    /// <exception cref="ArgumentException">The queries and the corpus have different dimensions.</exception>
    public static SearchHit[][] Search(
        VectorMatrix queries,
        VectorMatrix corpus,
        SemanticSearchOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(corpus);
        options ??= new SemanticSearchOptions();
        var metric = options.Metric;
        if (queries.Rows == 0 || corpus.Rows == 0)
        {
            return [.. Enumerable.Range(0, queries.Rows).Select(_ => Array.Empty<SearchHit>())];
        }

        var dims = queries.Dimensions;
        if (corpus.Dimensions != dims)
        {
            throw new ArgumentException($"the corpus vectors have {corpus.Dimensions} dimensions but the queries have {dims}; all vectors must have the same dimensions", nameof(corpus));
        }

        var k = Math.Min(options.TopK, corpus.Rows);
        var keep = metric == SimilarityMetric.Euclidean ? Math.Min(k + EuclideanExtra, corpus.Rows) : k;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism, CancellationToken = cancellationToken };

        // Per-vector terms: inverse norms for cosine, squared norms for Euclidean.
        float[]? queryTerm = null, corpusTerm = null;
        if (metric is SimilarityMetric.Cosine or SimilarityMetric.Euclidean)
        {
            queryTerm = NormTerms(queries, metric, parallel);
            corpusTerm = NormTerms(corpus, metric, parallel);
        }

        var chunk = options.ChunkSize;
        var chunkCount = (int)(((long)corpus.Rows + chunk - 1) / chunk);
        var merged = new TopKCollector[queries.Rows];
        for (var q = 0; q < merged.Length; q++)
        {
            merged[q] = new TopKCollector(keep);
        }

        var gate = new object();
        Parallel.For(
            0,
            chunkCount,
            parallel,
            () => new Worker(queries.Rows, keep, Math.Min(chunk, corpus.Rows), dims, options.AllowPanelKernel && PanelKernel.IsSupported),
            (chunkIndex, _, worker) =>
            {
                var c0 = chunkIndex * chunk;
                var cCount = Math.Min(chunk, corpus.Rows - c0);
                worker.ScoreChunk(queries, corpus, c0, cCount, metric, queryTerm, corpusTerm);
                return worker;
            },
            worker =>
            {
                lock (gate)
                {
                    for (var q = 0; q < merged.Length; q++)
                    {
                        worker.Collectors[q].MergeInto(merged[q]);
                    }
                }
            });

        var results = new SearchHit[queries.Rows][];
        Parallel.For(0, queries.Rows, parallel, q => results[q] = Finish(merged[q], queries[q], corpus, metric, k));
        return results;
    }

    /// <summary>
    /// Finds the closest pairs of vectors within <paramref name="corpus"/>: each vector's
    /// <see cref="ParaphraseMiningOptions.TopK"/> neighbours, deduplicated as (smaller id, larger id), best first
    /// (ties by ids), at most <see cref="ParaphraseMiningOptions.MaxPairs"/>.
    /// </summary>
    public static IReadOnlyList<ParaphrasePair> MineParaphrases(
        IReadOnlyList<float[]> corpus,
        ParaphraseMiningOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        var dims = CheckDimensions(corpus, corpus);
        return MineParaphrases(VectorMatrix.FromRows(corpus, dims), options, cancellationToken);
    }

    /// <summary>
    /// Finds the closest pairs of rows within <paramref name="corpus"/>: each row's
    /// <see cref="ParaphraseMiningOptions.TopK"/> neighbours, deduplicated as (smaller id, larger id), best first
    /// (ties by ids), at most <see cref="ParaphraseMiningOptions.MaxPairs"/>.
    /// </summary>
    public static IReadOnlyList<ParaphrasePair> MineParaphrases(
        VectorMatrix corpus,
        ParaphraseMiningOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        options ??= new ParaphraseMiningOptions();
        var hits = Search(
            corpus,
            corpus,
            new SemanticSearchOptions
            {
                TopK = options.TopK == int.MaxValue ? int.MaxValue : options.TopK + 1,
                Metric = options.Metric,
                MaxDegreeOfParallelism = options.MaxDegreeOfParallelism,
            },
            cancellationToken);
        var seen = new HashSet<long>();
        var pairs = new List<ParaphrasePair>();
        for (var i = 0; i < hits.Length; i++)
        {
            var taken = 0;
            foreach (var hit in hits[i])
            {
                if (hit.Id == i || taken == options.TopK)
                {
                    continue;
                }

                taken++;
                var (a, b) = i < hit.Id ? (i, hit.Id) : (hit.Id, i);
                if (seen.Add(((long)a << 32) | (uint)b))
                {
                    pairs.Add(new ParaphrasePair(a, b, hit.Score));
                }
            }
        }

        var higher = VectorSimilarity.HigherIsCloser(options.Metric);
        pairs.Sort((x, y) =>
        {
            var byScore = higher ? y.Score.CompareTo(x.Score) : x.Score.CompareTo(y.Score);
            return byScore != 0 ? byScore : x.First != y.First ? x.First.CompareTo(y.First) : x.Second.CompareTo(y.Second);
        });
        return pairs.Count > options.MaxPairs ? pairs.GetRange(0, options.MaxPairs) : pairs;
    }

    private static int CheckDimensions(IReadOnlyList<float[]> queries, IReadOnlyList<float[]> corpus)
    {
        var dims = queries.Count > 0 ? queries[0]?.Length ?? 0 : corpus.Count > 0 ? corpus[0]?.Length ?? 0 : 0;
        for (var i = 0; i < queries.Count; i++)
        {
            if (queries[i] is null || queries[i].Length != dims)
            {
                throw new ArgumentException($"query {i} has {queries[i]?.Length ?? 0} dimensions but query 0 has {dims}; all vectors must have the same dimensions", nameof(queries));
            }
        }

        for (var i = 0; i < corpus.Count; i++)
        {
            if (corpus[i] is null || corpus[i].Length != dims)
            {
                throw new ArgumentException($"corpus vector {i} has {corpus[i]?.Length ?? 0} dimensions but the queries have {dims}; all vectors must have the same dimensions", nameof(corpus));
            }
        }

        if (dims == 0 && (queries.Count > 0 || corpus.Count > 0))
        {
            throw new ArgumentException("vectors must have at least one dimension", nameof(queries));
        }

        return dims;
    }

    private static float[] NormTerms(VectorMatrix vectors, SimilarityMetric metric, ParallelOptions parallel)
    {
        var terms = new float[vectors.Rows];
        Parallel.For(0, vectors.Rows, parallel, i =>
        {
            var row = vectors.Row(i);
            if (metric == SimilarityMetric.Cosine)
            {
                var norm = TensorPrimitives.Norm(row);
                terms[i] = norm == 0 ? 0 : 1 / norm;
            }
            else
            {
                terms[i] = TensorPrimitives.Dot(row, row);
            }
        });
        return terms;
    }

    private static SearchHit[] Finish(TopKCollector collector, ReadOnlySpan<float> query, VectorMatrix corpus, SimilarityMetric metric, int k)
    {
        var kept = collector.ToSortedArray();
        switch (metric)
        {
            case SimilarityMetric.Euclidean:
                var exact = new SearchHit[kept.Length];
                for (var i = 0; i < kept.Length; i++)
                {
                    exact[i] = new SearchHit(kept[i].Id, TensorPrimitives.Distance(query, corpus.Row(kept[i].Id)));
                }

                Array.Sort(exact, static (a, b) => a.Score != b.Score ? a.Score.CompareTo(b.Score) : a.Id.CompareTo(b.Id));
                return exact.Length > k ? exact[..k] : exact;
            case SimilarityMetric.Manhattan:
                return [.. kept.Select(h => new SearchHit(h.Id, -h.Score))];
            case SimilarityMetric.Cosine:
                return [.. kept.Select(h => new SearchHit(h.Id, Math.Clamp(h.Score, -1f, 1f)))];
            default:
                return [.. kept.Select(h => new SearchHit(h.Id, h.Score))];
        }
    }

    /// <summary>One thread's state: a k-best heap per query and a score tile.</summary>
    private sealed class Worker
    {
        private readonly float[] _tile;
        private readonly float[]? _panel;
        private readonly float[] _diff;

        public Worker(int queryCount, int keep, int chunk, int dims, bool panel)
        {
            Collectors = new TopKCollector[queryCount];
            for (var q = 0; q < queryCount; q++)
            {
                Collectors[q] = new TopKCollector(keep);
            }

            if (panel)
            {
                _panel = new float[PanelKernel.PanelLength(chunk, dims)];
                _tile = new float[QueryBlock * PanelKernel.PaddedRows(chunk)];
            }
            else
            {
                _tile = new float[QueryBlock * chunk];
            }
            _diff = new float[dims];
        }

        public TopKCollector[] Collectors { get; }

        public void ScoreChunk(VectorMatrix queries, VectorMatrix corpus, int c0, int cCount, SimilarityMetric metric, float[]? queryTerm, float[]? corpusTerm)
        {
            if (metric == SimilarityMetric.Manhattan)
            {
                for (var q = 0; q < queries.Rows; q++)
                {
                    var collector = Collectors[q];
                    var query = queries.Row(q);
                    for (var c = 0; c < cCount; c++)
                    {
                        TensorPrimitives.Subtract(query, corpus.Row(c0 + c), _diff);
                        collector.Offer(-TensorPrimitives.SumOfMagnitudes(_diff), c0 + c);
                    }
                }

                return;
            }

            var dims = queries.Dimensions;
            var stride = cCount;
            if (_panel is not null)
            {
                PanelKernel.Pack(corpus.Data, c0, cCount, dims, _panel);
                stride = PanelKernel.PaddedRows(cCount);
            }

            for (var q0 = 0; q0 < queries.Rows; q0 += QueryBlock)
            {
                var qCount = Math.Min(QueryBlock, queries.Rows - q0);
                if (_panel is not null)
                {
                    PanelKernel.Tile(queries.Data, q0, qCount, _panel, stride, dims, _tile);
                }
                else
                {
                    Kernels.DotBlock(queries.Data, q0, qCount, corpus.Data, c0, cCount, dims, _tile);
                }

                for (var q = 0; q < qCount; q++)
                {
                    var collector = Collectors[q0 + q];
                    var scores = _tile.AsSpan(q * stride, cCount);
                    switch (metric)
                    {
                        case SimilarityMetric.Cosine:
                            var qi = queryTerm![q0 + q];
                            for (var c = 0; c < scores.Length; c++)
                            {
                                var s = scores[c] * qi * corpusTerm![c0 + c];
                                if (collector.WouldAccept(s, c0 + c))
                                {
                                    collector.Offer(s, c0 + c);
                                }
                            }

                            break;
                        case SimilarityMetric.Euclidean:
                            var qn = queryTerm![q0 + q];
                            for (var c = 0; c < scores.Length; c++)
                            {
                                var s = (2 * scores[c]) - qn - corpusTerm![c0 + c];
                                if (collector.WouldAccept(s, c0 + c))
                                {
                                    collector.Offer(s, c0 + c);
                                }
                            }

                            break;
                        default:
                            for (var c = 0; c < scores.Length; c++)
                            {
                                if (collector.WouldAccept(scores[c], c0 + c))
                                {
                                    collector.Offer(scores[c], c0 + c);
                                }
                            }

                            break;
                    }
                }
            }
        }
    }
}
