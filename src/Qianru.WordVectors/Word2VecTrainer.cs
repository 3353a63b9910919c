using System.Diagnostics;
using System.Numerics.Tensors;

namespace Qianru.WordVectors;

/// <summary>
/// Trains word2vec vectors (skip-gram or CBOW with negative sampling), optionally with fastText character n-gram subwords:
/// min_count, frequent-word subsampling, a random window shrink, linear learning-rate decay, epochs and lock-free threads,
/// as in word2vec.c, gensim and fastText.
/// </summary>
/// <remarks>
/// The corpus is read once into word ids (4 bytes a word). Results are reproducible for a seed with one thread; with more
/// threads the lock-free updates interleave differently each run, as in gensim.
/// References: Mikolov et al. 2013 (https://arxiv.org/abs/1310.4546), Bojanowski et al. 2017 (https://arxiv.org/abs/1607.04606).
/// </remarks>
public static class Word2VecTrainer
{
    private const int MaxSentenceLength = 10000;
    private const float MaxExp = 6f;
    private const int TableSize = 1000;
    private static readonly float[] SigmoidTable = Table(x => 1 / (1 + Math.Exp(-x)));
    private static readonly float[] LogSigmoidTable = Table(x => -Math.Log(1 + Math.Exp(-x)));

    private static float[] Table(Func<double, double> f)
    {
        var table = new float[TableSize];
        for (var i = 0; i < TableSize; i++)
        {
            table[i] = (float)f((i + 0.5) / TableSize * 2 * MaxExp - MaxExp);
        }

        return table;
    }

    /// <summary>Trains on <paramref name="sentences"/> (each a list of tokens) and returns the word vectors, commonest word first.</summary>
    public static KeyedVectors Train(IEnumerable<IReadOnlyList<string>> sentences, Word2VecOptions? options = null,
        IProgress<Word2VecProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        options ??= new Word2VecOptions();
        if (options.Subwords && options.MinN > options.MaxN)
        {
            throw new ArgumentException($"the shortest n-gram ({options.MinN}) is longer than the longest ({options.MaxN}); MinN must be at most MaxN", nameof(options));
        }

        CheckMemory(0, options);
        var corpus = Corpus.Build(sentences, options.MinCount, cancellationToken);
        if (corpus.Words.Length == 0)
        {
            throw new ArgumentException($"no word occurs at least {options.MinCount} times (min count) in the corpus; lower the min count or give a larger corpus");
        }

        CheckMemory(corpus.Words.Length, options);
        var state = new State(corpus, options);
        state.Run(progress, cancellationToken);
        return state.Result();
    }

    /// <summary>
    /// Refuses, before allocating, matrices that cannot exist: more floats than one array holds, or more bytes than the
    /// memory available to the process (the word matrix and its output twin, plus the n-gram matrix with subwords).
    /// </summary>
    private static void CheckMemory(int vocabulary, Word2VecOptions options)
    {
        var dim = options.Dimensions;
        var ngramFloats = options.Subwords ? (long)options.Bucket * dim : 0;
        if (ngramFloats > Array.MaxLength)
        {
            throw new QianruException($"{options.Bucket} n-gram buckets × {dim} dimensions is {ngramFloats} floats; one matrix holds at most {Array.MaxLength}: lower the bucket count or the dimensions.");
        }

        if ((long)vocabulary * dim > Array.MaxLength)
        {
            throw new QianruException($"{vocabulary} words × {dim} dimensions is {(long)vocabulary * dim} floats; one matrix holds at most {Array.MaxLength}: lower the dimensions or raise the min count.");
        }

        var bytes = (2L * vocabulary * dim + ngramFloats) * sizeof(float);
        var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (available > 0 && bytes > available)
        {
            throw new QianruException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"training needs {bytes / 1e9:F1} GB for its matrices ({vocabulary} words{(options.Subwords ? $" and {options.Bucket} n-gram buckets" : "")} × {dim} dimensions) but {available / 1e9:F1} GB of memory is available: lower the dimensions{(options.Subwords ? " or the bucket count" : "")}."));
        }
    }

    /// <summary>The corpus as vocabulary ids, with the vocabulary sorted by count (ties in first-seen order).</summary>
    private sealed class Corpus
    {
        public required string[] Words { get; init; }

        public required long[] Counts { get; init; }

        public required int[] Tokens { get; init; }

        /// <summary>Start of each sentence in <see cref="Tokens"/>, plus the end.</summary>
        public required int[] SentenceStarts { get; init; }

        /// <summary>Raw words in the corpus, out-of-vocabulary words included (what the learning rate decays over).</summary>
        public long RawWordCount { get; init; }

        public static Corpus Build(IEnumerable<IReadOnlyList<string>> sentences, int minCount, CancellationToken cancellationToken)
        {
            var ids = new Dictionary<string, int>(StringComparer.Ordinal);
            var counts = new List<long>();
            var words = new List<string>();
            var raw = new List<int>();
            var starts = new List<int> { 0 };
            foreach (var sentence in sentences)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var length = 0;
                foreach (var token in sentence)
                {
                    if (string.IsNullOrEmpty(token))
                    {
                        continue;
                    }

                    if (!ids.TryGetValue(token, out var id))
                    {
                        id = words.Count;
                        ids[token] = id;
                        words.Add(token);
                        counts.Add(0);
                    }

                    counts[id]++;
                    raw.Add(id);
                    if (++length == MaxSentenceLength)
                    {
                        starts.Add(raw.Count);
                        length = 0;
                    }
                }

                if (length > 0)
                {
                    starts.Add(raw.Count);
                }
            }

            var kept = Enumerable.Range(0, words.Count).Where(i => counts[i] >= minCount)
                .OrderByDescending(i => counts[i]).ThenBy(i => i).ToArray();
            var remap = new int[words.Count];
            Array.Fill(remap, -1);
            for (var i = 0; i < kept.Length; i++)
            {
                remap[kept[i]] = i;
            }

            // Drop out-of-vocabulary words from the sentences, as gensim does before windows are taken.
            var tokens = new List<int>(raw.Count);
            var newStarts = new List<int> { 0 };
            for (var s = 0; s + 1 < starts.Count; s++)
            {
                for (var i = starts[s]; i < starts[s + 1]; i++)
                {
                    var v = remap[raw[i]];
                    if (v >= 0)
                    {
                        tokens.Add(v);
                    }
                }

                if (tokens.Count > newStarts[^1])
                {
                    newStarts.Add(tokens.Count);
                }
            }

            return new Corpus
            {
                Words = kept.Select(i => words[i]).ToArray(),
                Counts = kept.Select(i => counts[i]).ToArray(),
                Tokens = [.. tokens],
                SentenceStarts = [.. newStarts],
                RawWordCount = raw.Count,
            };
        }
    }

    private sealed class State
    {
        private readonly Corpus _corpus;
        private readonly Word2VecOptions _o;
        private readonly int _dim;
        private readonly float[] _syn0;
        private readonly float[] _syn1;
        private readonly float[]? _ngrams;
        private readonly int[][]? _subwords;
        private readonly uint[] _keep;
        private readonly int[] _table;
        private readonly long _totalWords;
        private long _processed;
        private long _nextJob;
        private readonly int[] _chunks;
        private double _lossSum;
        private long _lossPairs;
        private readonly object _lossLock = new();

        public State(Corpus corpus, Word2VecOptions options)
        {
            _corpus = corpus;
            _o = options;
            _dim = options.Dimensions;
            var vocab = corpus.Words.Length;
            _syn0 = new float[(long)vocab * _dim];
            _syn1 = new float[(long)vocab * _dim];
            var random = new Random(options.Seed);
            for (var i = 0; i < _syn0.Length; i++)
            {
                _syn0[i] = (float)((random.NextDouble() - 0.5) / _dim);
            }

            if (options.Subwords)
            {
                _ngrams = new float[(long)options.Bucket * _dim];
                for (var i = 0; i < _ngrams.Length; i++)
                {
                    _ngrams[i] = (float)((random.NextDouble() * 2 - 1) / _dim);
                }

                _subwords = corpus.Words.Select(w => SubwordModel.NgramBuckets(w, options.MinN, options.MaxN, options.Bucket)).ToArray();
            }

            // Subsampling as gensim: keep a word with probability (sqrt(c / t) + 1) * t / c, t = sample * total.
            _keep = new uint[vocab];
            var retained = corpus.Counts.Sum();
            var threshold = options.Sample * retained;
            for (var i = 0; i < vocab; i++)
            {
                var p = options.Sample == 0 ? 1.0 : (Math.Sqrt(corpus.Counts[i] / threshold) + 1) * (threshold / corpus.Counts[i]);
                _keep[i] = (uint)Math.Min(uint.MaxValue, Math.Round(Math.Min(p, 1.0) * uint.MaxValue));
            }

            _table = UnigramTable(corpus.Counts);
            var chunks = new List<int> { 0 };
            for (var sIndex = 0; sIndex + 1 < corpus.SentenceStarts.Length; sIndex++)
            {
                if (corpus.SentenceStarts[sIndex + 1] - corpus.SentenceStarts[chunks[^1]] >= 10000)
                {
                    chunks.Add(sIndex + 1);
                }
            }

            if (chunks[^1] != corpus.SentenceStarts.Length - 1)
            {
                chunks.Add(corpus.SentenceStarts.Length - 1);
            }

            _chunks = [.. chunks];
            _totalWords = corpus.Tokens.LongLength * options.Epochs;
        }

        private static int[] UnigramTable(long[] counts)
        {
            var size = (int)Math.Clamp(counts.Length * 100L, 1_000_000, 100_000_000);
            var table = new int[size];
            double total = counts.Sum(c => Math.Pow(c, 0.75));
            var word = 0;
            var cumulative = Math.Pow(counts[0], 0.75) / total;
            for (var i = 0; i < size; i++)
            {
                table[i] = word;
                if ((double)i / size > cumulative && word < counts.Length - 1)
                {
                    word++;
                    cumulative += Math.Pow(counts[word], 0.75) / total;
                }
            }

            return table;
        }

        public void Run(IProgress<Word2VecProgress>? progress, CancellationToken cancellationToken)
        {
            var threads = Math.Min(_o.Threads, Math.Max(1, _corpus.SentenceStarts.Length - 1));
            var watch = Stopwatch.StartNew();
            var workers = new Thread[threads];
            Exception? failure = null;
            for (var t = 0; t < threads; t++)
            {
                var id = t;
                workers[t] = new Thread(() =>
                {
                    try
                    {
                        Work(id, cancellationToken);
                    }
                    catch (Exception ex)
                    {
                        failure ??= ex;
                    }
                })
                { IsBackground = true, Name = $"word2vec-{t}" };
                workers[t].Start();
            }

            var lastReport = 0L;
            while (!workers.All(w => w.Join(progress is null ? 200 : 500)))
            {
                if (progress is not null && watch.ElapsedMilliseconds - lastReport >= 450)
                {
                    lastReport = watch.ElapsedMilliseconds;
                    progress.Report(Snapshot(watch));
                }
            }

            if (failure is not null)
            {
                throw failure is OperationCanceledException ? new OperationCanceledException(cancellationToken) : failure;
            }

            cancellationToken.ThrowIfCancellationRequested();
            progress?.Report(Snapshot(watch));
        }

        private Word2VecProgress Snapshot(Stopwatch watch)
        {
            var processed = Interlocked.Read(ref _processed);
            double loss;
            lock (_lossLock)
            {
                loss = _lossPairs == 0 ? 0 : _lossSum / _lossPairs;
                _lossSum = 0;
                _lossPairs = 0;
            }

            var fraction = Math.Min(1.0, (double)processed / _totalWords);
            var epoch = Math.Min(_o.Epochs, 1 + (int)(fraction * _o.Epochs));
            return new Word2VecProgress(epoch, fraction, processed, processed / Math.Max(1e-9, watch.Elapsed.TotalSeconds), loss, Alpha(fraction));
        }

        private float Alpha(double fraction) => (float)Math.Max(_o.MinAlpha, _o.Alpha - (_o.Alpha - _o.MinAlpha) * fraction);

        private void Work(int thread, CancellationToken cancellationToken)
        {
            // Like gensim's job queue: threads take the next chunk of about 10,000 words in corpus order, epoch after
            // epoch, so all threads train on neighbouring text at the same learning rate.
            var chunks = _chunks.Length - 1;
            var random = (ulong)(_o.Seed + thread * 7919L) * 2654435761UL + 1;
            var sentence = new int[MaxSentenceLength];
            var neu1 = new float[_dim];
            var neu1e = new float[_dim];
            var hidden = new float[_dim];
            while (true)
            {
                var job = Interlocked.Increment(ref _nextJob) - 1;
                if (job >= (long)chunks * _o.Epochs)
                {
                    break;
                }

                cancellationToken.ThrowIfCancellationRequested();
                var chunk = (int)(job % chunks);
                var pending = 0L;
                double loss = 0;
                long pairs = 0;
                var alpha = Alpha((double)Interlocked.Read(ref _processed) / _totalWords);
                for (var s = _chunks[chunk]; s < _chunks[chunk + 1]; s++)
                {
                    var start = _corpus.SentenceStarts[s];
                    var end = _corpus.SentenceStarts[s + 1];
                    var length = 0;
                    for (var i = start; i < end; i++)
                    {
                        var w = _corpus.Tokens[i];
                        random = random * 25214903917UL + 11;
                        if (_o.Sample > 0 && _keep[w] < (uint)(random >> 16))
                        {
                            continue;
                        }

                        sentence[length++] = w;
                    }

                    pending += end - start;
                    var words = sentence.AsSpan(0, length);
                    if (_o.Architecture == Word2VecArchitecture.SkipGram)
                    {
                        SkipGram(words, alpha, ref random, neu1e, hidden, ref loss, ref pairs);
                    }
                    else
                    {
                        Cbow(words, alpha, ref random, neu1, neu1e, ref loss, ref pairs);
                    }
                }

                Interlocked.Add(ref _processed, pending);
                lock (_lossLock)
                {
                    _lossSum += loss;
                    _lossPairs += pairs;
                }
            }
        }

        private void SkipGram(ReadOnlySpan<int> words, float alpha, ref ulong random, float[] neu1e, float[] hidden, ref double loss, ref long pairs)
        {
            for (var i = 0; i < words.Length; i++)
            {
                random = random * 25214903917UL + 11;
                var b = (int)((random >> 16) % (ulong)_o.Window);
                var from = Math.Max(0, i - _o.Window + b);
                var to = Math.Min(words.Length, i + _o.Window + 1 - b);
                if (_subwords is null)
                {
                    // gensim: each context word's vector predicts the centre word.
                    for (var j = from; j < to; j++)
                    {
                        if (j == i)
                        {
                            continue;
                        }

                        var input = _syn0.AsSpan(words[j] * _dim, _dim);
                        neu1e.AsSpan().Clear();
                        loss += Negative(input, words[i], alpha, ref random, neu1e);
                        pairs++;
                        TensorPrimitives.Add(input, neu1e, input);
                    }
                }
                else
                {
                    // fastText: the centre word's subword mean predicts each context word.
                    var rows = _subwords[words[i]];
                    Compose(words[i], rows, hidden);
                    neu1e.AsSpan().Clear();
                    for (var j = from; j < to; j++)
                    {
                        if (j != i)
                        {
                            loss += Negative(hidden, words[j], alpha, ref random, neu1e);
                            pairs++;
                        }
                    }

                    Spread(words[i], rows, neu1e);
                }
            }
        }

        private void Cbow(ReadOnlySpan<int> words, float alpha, ref ulong random, float[] neu1, float[] neu1e, ref double loss, ref long pairs)
        {
            var part = _subwords is null ? null : new float[_dim];
            for (var i = 0; i < words.Length; i++)
            {
                random = random * 25214903917UL + 11;
                var b = (int)((random >> 16) % (ulong)_o.Window);
                var from = Math.Max(0, i - _o.Window + b);
                var to = Math.Min(words.Length, i + _o.Window + 1 - b);
                neu1.AsSpan().Clear();
                var count = 0;
                for (var j = from; j < to; j++)
                {
                    if (j == i)
                    {
                        continue;
                    }

                    if (_subwords is null)
                    {
                        TensorPrimitives.Add(neu1, _syn0.AsSpan(words[j] * _dim, _dim), neu1);
                    }
                    else
                    {
                        Compose(words[j], _subwords[words[j]], part!);
                        TensorPrimitives.Add(neu1, part!, neu1);
                    }

                    count++;
                }

                if (count == 0)
                {
                    continue;
                }

                TensorPrimitives.Divide(neu1, count, neu1);
                neu1e.AsSpan().Clear();
                loss += Negative(neu1, words[i], alpha, ref random, neu1e);
                pairs++;
                TensorPrimitives.Divide(neu1e, count, neu1e);
                for (var j = from; j < to; j++)
                {
                    if (j == i)
                    {
                        continue;
                    }

                    if (_subwords is null)
                    {
                        var row = _syn0.AsSpan(words[j] * _dim, _dim);
                        TensorPrimitives.Add(row, neu1e, row);
                    }
                    else
                    {
                        Spread(words[j], _subwords[words[j]], neu1e);
                    }
                }
            }
        }

        /// <summary>One positive and <c>Negative</c> negative updates of the output vectors; accumulates the input gradient.</summary>
        private double Negative(ReadOnlySpan<float> input, int target, float alpha, ref ulong random, Span<float> neu1e)
        {
            double loss = 0;
            for (var d = 0; d <= _o.Negative; d++)
            {
                int word;
                float label;
                if (d == 0)
                {
                    word = target;
                    label = 1;
                }
                else
                {
                    random = random * 25214903917UL + 11;
                    word = _table[(int)((random >> 16) % (ulong)_table.Length)];
                    if (word == target)
                    {
                        continue;
                    }

                    label = 0;
                }

                var output = _syn1.AsSpan(word * _dim, _dim);
                var f = TensorPrimitives.Dot(input, output);
                if (f <= -MaxExp || f >= MaxExp)
                {
                    // Saturated: no update, as gensim (its sigmoid table stops at ±6).
                    continue;
                }

                // Tables over [-6, 6] as word2vec.c and gensim: no exp or log in the inner loop.
                var slot = (int)((f + MaxExp) * (TableSize / MaxExp / 2));
                var sigmoid = SigmoidTable[slot];
                loss -= label == 1 ? LogSigmoidTable[slot] : LogSigmoidTable[TableSize - 1 - slot];
                var g = (label - sigmoid) * alpha;
                TensorPrimitives.MultiplyAdd(output, g, neu1e, neu1e);
                TensorPrimitives.MultiplyAdd(input, g, output, output);
            }

            return loss;
        }

        /// <summary>The fastText input vector of a word: the mean of its own row and its n-gram rows.</summary>
        private void Compose(int word, int[] rows, Span<float> destination)
        {
            _syn0.AsSpan(word * _dim, _dim).CopyTo(destination);
            foreach (var r in rows)
            {
                TensorPrimitives.Add(destination, _ngrams.AsSpan(r * _dim, _dim), destination);
            }

            TensorPrimitives.Divide(destination, 1 + rows.Length, destination);
        }

        /// <summary>Adds the gradient to the word's row and every n-gram row (fastText does not scale it).</summary>
        private void Spread(int word, int[] rows, ReadOnlySpan<float> gradient)
        {
            var own = _syn0.AsSpan(word * _dim, _dim);
            TensorPrimitives.Add(own, gradient, own);
            foreach (var r in rows)
            {
                var row = _ngrams.AsSpan(r * _dim, _dim);
                TensorPrimitives.Add(row, gradient, row);
            }
        }

        public KeyedVectors Result()
        {
            var vectors = _syn0;
            SubwordModel? subwords = null;
            if (_subwords is not null)
            {
                vectors = new float[_syn0.Length];
                for (var w = 0; w < _corpus.Words.Length; w++)
                {
                    Compose(w, _subwords[w], vectors.AsSpan(w * _dim, _dim));
                }

                subwords = new SubwordModel(_o.MinN, _o.MaxN, _o.Bucket, FloatMatrix.FromArray(_ngrams!, _dim));
            }

            return KeyedVectors.FromData(new KeyedVectorsData(_corpus.Words, vectors, _dim, _corpus.Counts), subwords);
        }
    }
}
