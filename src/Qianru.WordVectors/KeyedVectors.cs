using System.Numerics.Tensors;
using Qianru.Similarity;

namespace Qianru.WordVectors;

/// <summary>
/// Word vectors (GloVe, word2vec, fastText) with gensim's <c>KeyedVectors</c> queries: <see cref="MostSimilar(IEnumerable{string}, IEnumerable{string}?, int, int?)"/>,
/// <see cref="MostSimilarCosmul"/>, <see cref="Similarity"/>, <see cref="NSimilarity"/>, <see cref="DoesntMatch"/>,
/// <see cref="Analogy"/> and <see cref="EvaluateWordAnalogies(string, int, bool, CancellationToken)"/>.
/// </summary>
/// <remarks>
/// Load with <see cref="Load(string, WordVectorLoadOptions?, CancellationToken)"/> (format detected; text is parsed streaming) or build with
/// <c>Create</c>; <c>Word2VecTrainer</c> trains new ones. Queries are thread-safe. Vectors in Qianru's
/// native format are memory-mapped: dispose the object when done. Reference:
/// https://radimrehurek.com/gensim/models/keyedvectors.html
/// </remarks>
public sealed class KeyedVectors : IDisposable
{
    private readonly string[] _words;
    private readonly Dictionary<string, int> _index;
    private readonly FloatMatrix _vectors;
    private readonly long[]? _counts;
    private readonly IDisposable? _owner;
    private readonly Lazy<float[]> _norms;

    internal KeyedVectors(string[] words, FloatMatrix vectors, long[]? counts, SubwordModel? subwords, IDisposable? owner)
    {
        _words = words;
        _vectors = vectors;
        _counts = counts;
        Subwords = subwords;
        _owner = owner;
        _index = new Dictionary<string, int>(words.Length, StringComparer.Ordinal);
        for (var i = 0; i < words.Length; i++)
        {
            _index.TryAdd(words[i], i);
        }

        _norms = new Lazy<float[]>(ComputeNorms, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The number of words.</summary>
    public int Count => _words.Length;

    /// <summary>The vector length.</summary>
    public int Dimensions => _vectors.Columns;

    /// <summary>The words, in file order (commonest first in the usual files).</summary>
    public IReadOnlyList<string> Words => _words;

    /// <summary>The training-corpus count of each word, when known (trained or native-format vectors); else null.</summary>
    public IReadOnlyList<long>? Counts => _counts;

    /// <summary>Whether words outside the vocabulary get a vector from their character n-grams (fastText-style training).</summary>
    public bool HasSubwords => Subwords is not null;

    internal SubwordModel? Subwords { get; }

    internal FloatMatrix Matrix => _vectors;

    /// <summary>
    /// Loads vectors from a word2vec text/binary, GloVe, fastText .vec or .bin (with its subword vectors) or native file. The format is detected unless
    /// <see cref="WordVectorLoadOptions.Format"/> says it; text is parsed streaming. Malformed files give an
    /// <see cref="InvalidDataException"/> naming the line.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="options">Format and limit; <see langword="null"/> detects the format and reads every word.</param>
    /// <param name="cancellationToken">Checked every 1024 rows, so loading a multi-GB file stops within milliseconds.</param>
    public static KeyedVectors Load(string path, WordVectorLoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= new WordVectorLoadOptions();
        var format = options.Format ?? WordVectorReader.Detect(path);
        if (format == WordVectorFormat.Native)
        {
            return NativeWordVectors.Load(path, options.Limit);
        }

        using var stream = WordVectorReader.OpenRead(path);
        return Load(stream, format, options.Limit, path, cancellationToken);
    }

    /// <summary>Loads word2vec text/binary or GloVe vectors from a stream (the native format needs a file: use the path overload).</summary>
    public static KeyedVectors Load(Stream stream, WordVectorFormat format, int? limit = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return Load(stream, format, limit, "stream", cancellationToken);
    }

    private static KeyedVectors Load(Stream stream, WordVectorFormat format, int? limit, string name, CancellationToken cancellationToken)
    {
        if (format == WordVectorFormat.FastTextBinary)
        {
            return FastTextBinaryReader.Read(stream, name, limit, cancellationToken);
        }

        var data = format switch
        {
            WordVectorFormat.Word2VecText => WordVectorReader.ReadText(stream, name, hasHeader: true, limit, cancellationToken: cancellationToken),
            WordVectorFormat.GloVe => WordVectorReader.ReadText(stream, name, hasHeader: false, limit, cancellationToken: cancellationToken),
            WordVectorFormat.Word2VecBinary => WordVectorReader.ReadBinary(stream, name, limit, cancellationToken: cancellationToken),
            _ => throw new NotSupportedException($"{name}: format {format} cannot be read from a stream; give a file path"),
        };
        return FromData(data, null);
    }

    internal static KeyedVectors FromData(KeyedVectorsData data, SubwordModel? subwords) =>
        new(data.Words, FloatMatrix.FromArray(data.Vectors, data.Dimensions), data.Counts, subwords, null);

    /// <summary>Creates vectors from words and their row-major vectors (copied); counts are optional corpus frequencies.</summary>
    public static KeyedVectors Create(IReadOnlyList<string> words, ReadOnlySpan<float> vectors, int dimensions, IReadOnlyList<long>? counts = null)
    {
        ArgumentNullException.ThrowIfNull(words);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimensions);
        if (vectors.Length != (long)words.Count * dimensions)
        {
            throw new ArgumentException($"{words.Count} words of {dimensions} dimensions need {(long)words.Count * dimensions} numbers, got {vectors.Length}", nameof(vectors));
        }

        if (counts is not null && counts.Count != words.Count)
        {
            throw new ArgumentException($"got {counts.Count} counts for {words.Count} words", nameof(counts));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var w in words)
        {
            if (string.IsNullOrEmpty(w) || !seen.Add(w))
            {
                throw new ArgumentException($"word '{w}' is empty or repeated; every word must be unique", nameof(words));
            }
        }

        return FromData(new KeyedVectorsData([.. words], vectors.ToArray(), dimensions, counts?.ToArray()), null);
    }

    /// <summary>Creates vectors from words and the rows of <paramref name="vectors"/> (copied), one row per word.</summary>
    public static KeyedVectors Create(IReadOnlyList<string> words, VectorMatrix vectors, IReadOnlyList<long>? counts = null)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        return Create(words, vectors.AsSpan(), vectors.Dimensions, counts);
    }

    /// <summary>Detects the format of a word-vector file without loading it.</summary>
    public static WordVectorFormat DetectFormat(string path) => WordVectorReader.Detect(path);

    /// <summary>Saves in <paramref name="format"/>; the native format also keeps counts and subword vectors.</summary>
    public void Save(string path, WordVectorFormat format)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (format == WordVectorFormat.FastTextBinary)
        {
            throw new NotSupportedException("Qianru reads fastText .bin models but does not write them; save as Native to keep the subword vectors");
        }

        if (format == WordVectorFormat.Native)
        {
            NativeWordVectors.Save(this, path);
            return;
        }

        Qianru.IO.AtomicFile.Write(path, stream => WordVectorWriter.Write(this, stream, format));
    }

    /// <summary>Whether <paramref name="word"/> is in the vocabulary (case-sensitive).</summary>
    public bool Contains(string word) => _index.ContainsKey(word);

    /// <summary>The index of <paramref name="word"/>, or -1.</summary>
    public int IndexOf(string word) => _index.TryGetValue(word, out var i) ? i : -1;

    /// <summary>The stored vector of the word at <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> GetRow(int index)
    {
        if ((uint)index >= (uint)_words.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"index {index} is outside 0..{_words.Length - 1}");
        }

        return _vectors.Row(index);
    }

    /// <summary>
    /// The vector of <paramref name="word"/> (unit length when <paramref name="normalize"/>); a word outside the vocabulary
    /// gets its subword vector when <see cref="HasSubwords"/>, else an <see cref="UnknownWordException"/>.
    /// </summary>
    public float[] GetVector(string word, bool normalize = false)
    {
        var result = new float[Dimensions];
        CopyVector(word, normalize, result);
        return result;
    }

    /// <summary>
    /// The vectors of <paramref name="words"/> as one matrix, a row per word in order (gensim's <c>kv[words]</c>), each
    /// as <see cref="GetVector"/> gives it.
    /// </summary>
    /// <exception cref="UnknownWordException">A word has no vector.</exception>
    public VectorMatrix GetVectors(IReadOnlyList<string> words, bool normalize = false)
    {
        ArgumentNullException.ThrowIfNull(words);
        var matrix = new VectorMatrix(words.Count, Dimensions);
        for (var w = 0; w < words.Count; w++)
        {
            CopyVector(words[w], normalize, matrix.Row(w));
        }

        return matrix;
    }

    private void CopyVector(string word, bool normalize, Span<float> result)
    {
        ArgumentNullException.ThrowIfNull(word);
        if (_index.TryGetValue(word, out var i))
        {
            _vectors.Row(i).CopyTo(result);
        }
        else if (Subwords is null || !Subwords.TryCompose(word, result))
        {
            throw new UnknownWordException(word, Count);
        }

        if (normalize)
        {
            VectorSimilarity.Normalize(result);
        }
    }

    /// <summary>Whether <paramref name="word"/> has a vector: in the vocabulary, or buildable from subwords.</summary>
    public bool HasVector(string word) => Contains(word) || (Subwords is not null && SubwordModel.NgramBuckets(word, Subwords.MinN, Subwords.MaxN, Subwords.Bucket).Length > 0);

    /// <summary>The words closest to <paramref name="word"/> by cosine similarity (the word itself excluded).</summary>
    public IReadOnlyList<WordScore> MostSimilar(string word, int topn = 10) => MostSimilar([word], null, topn);

    /// <summary>
    /// gensim's <c>most_similar</c>: the mean of the unit-normalized positive vectors minus the negative ones, normalized,
    /// compared by cosine with every word (among the first <paramref name="restrictVocab"/>); input words are excluded.
    /// </summary>
    public IReadOnlyList<WordScore> MostSimilar(IEnumerable<string> positive, IEnumerable<string>? negative = null, int topn = 10, int? restrictVocab = null)
    {
        ArgumentNullException.ThrowIfNull(positive);
        var pos = positive.ToArray();
        var neg = negative?.ToArray() ?? [];
        if (pos.Length + neg.Length == 0)
        {
            throw new ArgumentException("give at least one word to compare with");
        }

        if (topn < 1)
        {
            return [];
        }

        var mean = new float[Dimensions];
        var exclude = new HashSet<int>();
        foreach (var (word, weight) in pos.Select(w => (w, 1f)).Concat(neg.Select(w => (w, -1f))))
        {
            var v = GetVector(word, normalize: true);
            TensorPrimitives.MultiplyAdd(v, weight, mean, mean);
            if (_index.TryGetValue(word, out var i))
            {
                exclude.Add(i);
            }
        }

        TensorPrimitives.Divide(mean, pos.Length + neg.Length, mean);
        VectorSimilarity.Normalize(mean);
        return Top(mean, topn, exclude, restrictVocab);
    }

    /// <summary>The words closest to a vector by cosine similarity (gensim's <c>similar_by_vector</c>).</summary>
    public IReadOnlyList<WordScore> MostSimilarToVector(ReadOnlySpan<float> vector, int topn = 10, int? restrictVocab = null)
    {
        CheckDimensions(vector.Length);
        var mean = vector.ToArray();
        VectorSimilarity.Normalize(mean);
        return Top(mean, topn, [], restrictVocab);
    }

    /// <summary>
    /// gensim's <c>most_similar_cosmul</c> (Levy and Goldberg's 3CosMul): the product of (1 + cos)/2 to the positive words
    /// divided by that to the negative words plus 1e-6; input words are excluded.
    /// </summary>
    public IReadOnlyList<WordScore> MostSimilarCosmul(IEnumerable<string> positive, IEnumerable<string>? negative = null, int topn = 10)
    {
        ArgumentNullException.ThrowIfNull(positive);
        var pos = positive.Select(w => GetVector(w, true)).ToArray();
        var neg = (negative ?? []).Select(w => GetVector(w, true)).ToArray();
        if (pos.Length == 0)
        {
            throw new ArgumentException("give at least one positive word");
        }

        var exclude = positive.Concat(negative ?? []).Select(IndexOf).Where(i => i >= 0).ToHashSet();
        var norms = _norms.Value;
        var scores = new float[Count];
        Parallel.For(0, Count, i =>
        {
            var row = _vectors.Row(i);
            float p = 1, n = 1;
            foreach (var v in pos)
            {
                p *= (1 + TensorPrimitives.Dot(row, v) / norms[i]) / 2;
            }

            foreach (var v in neg)
            {
                n *= (1 + TensorPrimitives.Dot(row, v) / norms[i]) / 2;
            }

            scores[i] = p / ((neg.Length == 0 ? 1 : n) + 0.000001f);
        });
        return TopOfScores(scores, topn, exclude);
    }

    /// <summary>The cosine similarity of two words.</summary>
    public float Similarity(string word1, string word2) =>
        TensorPrimitives.Dot(GetVector(word1, true), GetVector(word2, true));

    /// <summary>The cosine similarity of the means of two word sets (gensim's <c>n_similarity</c>).</summary>
    public float NSimilarity(IEnumerable<string> words1, IEnumerable<string> words2)
    {
        var a = MeanOf(words1, nameof(words1));
        var b = MeanOf(words2, nameof(words2));
        VectorSimilarity.Normalize(a);
        VectorSimilarity.Normalize(b);
        return TensorPrimitives.Dot(a, b);
    }

    /// <summary>The word furthest from the mean of the others' unit vectors (gensim's <c>doesnt_match</c>); unknown words are ignored.</summary>
    public string DoesntMatch(IEnumerable<string> words)
    {
        ArgumentNullException.ThrowIfNull(words);
        var used = words.Where(HasVector).ToArray();
        if (used.Length == 0)
        {
            throw new ArgumentException("none of the words has a vector, so none can be picked");
        }

        var vectors = used.Select(w => GetVector(w, true)).ToArray();
        var mean = new float[Dimensions];
        foreach (var v in vectors)
        {
            TensorPrimitives.Add(mean, v, mean);
        }

        VectorSimilarity.Normalize(mean);
        return used.Select((w, i) => (Score: TensorPrimitives.Dot(vectors[i], mean), Word: w))
            .OrderBy(t => t.Score).ThenBy(t => t.Word, StringComparer.Ordinal).First().Word;
    }

    /// <summary>The analogy <paramref name="a"/> − <paramref name="b"/> + <paramref name="c"/> (king − man + woman ≈ queen): <c>MostSimilar([a, c], [b])</c>.</summary>
    public IReadOnlyList<WordScore> Analogy(string a, string b, string c, int topn = 10) => MostSimilar([a, c], [b], topn);

    /// <summary>A line of the questions; bytes that are not UTF-8 (with a strict reader) are refused naming the line.</summary>
    private static string? ReadLine(TextReader questions, string name, int lineNumber)
    {
        try
        {
            return questions.ReadLine();
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw new InvalidDataException($"{name}: near line {lineNumber}: not valid UTF-8; the questions must be UTF-8 text");
        }
    }

    /// <summary>
    /// Evaluates on a questions-words file (": section" lines, then "a b c d" meaning a is to b as c is to d) like gensim's
    /// <c>evaluate_word_analogies</c>: only the first <paramref name="restrictVocab"/> words are used, questions with other words
    /// are skipped, and the answer is the best of the top 5 of <c>MostSimilar([b, c], [a])</c> that is not an input word.
    /// </summary>
    /// <param name="path">The questions file.</param>
    /// <param name="restrictVocab">Use only the first this many words (gensim's restrict_vocab).</param>
    /// <param name="caseInsensitive">Compare upper-cased words, as gensim does by default.</param>
    /// <param name="cancellationToken">Checked before every question.</param>
    public AnalogyEvaluation EvaluateWordAnalogies(string path, int restrictVocab = 300000, bool caseInsensitive = true, CancellationToken cancellationToken = default)
    {
        // A questions file is small (gensim's questions-words.txt: 600 KB): read it whole, so that bytes that are not
        // UTF-8 are refused naming their exact line rather than the line a decoder buffer happened to start at.
        byte[] bytes;
        using (var stream = WordVectorReader.OpenRead(path))
        using (var copy = new MemoryStream())
        {
            stream.CopyTo(copy);
            bytes = copy.ToArray();
        }

        var bad = Text.UnicodeText.IndexOfInvalidUtf8(bytes);
        if (bad >= 0)
        {
            throw new InvalidDataException($"{path}: line {bytes.AsSpan(0, bad).Count((byte)'\n') + 1}: not valid UTF-8; the questions must be UTF-8 text");
        }

        var bom = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        using var reader = new StringReader(Text.UnicodeText.StrictUtf8.GetString(bytes, bom, bytes.Length - bom));
        return EvaluateWordAnalogies(reader, restrictVocab, caseInsensitive, path, cancellationToken);
    }

    /// <summary>As <see cref="EvaluateWordAnalogies(string, int, bool, CancellationToken)"/>, reading the questions from a reader.</summary>
    public AnalogyEvaluation EvaluateWordAnalogies(TextReader questions, int restrictVocab = 300000, bool caseInsensitive = true, string name = "questions", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(questions);
        var limit = Math.Min(restrictVocab, Count);
        var okVocab = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = limit - 1; i >= 0; i--)
        {
            okVocab[caseInsensitive ? _words[i].ToUpperInvariant() : _words[i]] = i;
        }

        var sections = new List<AnalogySection>();
        string? sectionName = null;
        int correct = 0, incorrect = 0, totalCorrect = 0, totalIncorrect = 0, oov = 0;
        var lineNumber = 0;
        while (ReadLine(questions, name, lineNumber + 1) is { } line)
        {
            lineNumber++;
            cancellationToken.ThrowIfCancellationRequested();
            if (line.StartsWith(": ", StringComparison.Ordinal))
            {
                if (sectionName is not null)
                {
                    sections.Add(new AnalogySection(sectionName, correct, incorrect));
                }

                sectionName = line[2..].Trim();
                correct = incorrect = 0;
                continue;
            }

            if (sectionName is null)
            {
                throw new InvalidDataException($"{name}: line {lineNumber}: missing section header (a line starting with ': ') before the first question");
            }

            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 4)
            {
                continue; // gensim skips invalid lines too
            }

            if (caseInsensitive)
            {
                parts = parts.Select(p => p.ToUpperInvariant()).ToArray();
            }

            if (!okVocab.TryGetValue(parts[0], out var ia) || !okVocab.TryGetValue(parts[1], out var ib)
                || !okVocab.TryGetValue(parts[2], out var ic) || !okVocab.ContainsKey(parts[3]))
            {
                oov++;
                continue;
            }

            var mean = new float[Dimensions];
            foreach (var (idx, weight) in new[] { (ib, 1f), (ic, 1f), (ia, -1f) })
            {
                var v = GetVector(_words[idx], true);
                TensorPrimitives.MultiplyAdd(v, weight, mean, mean);
            }

            TensorPrimitives.Divide(mean, 3f, mean);
            VectorSimilarity.Normalize(mean);
            var sims = Top(mean, 5, [ia, ib, ic], limit);
            string? predicted = null;
            foreach (var s in sims)
            {
                predicted = caseInsensitive ? s.Word.ToUpperInvariant() : s.Word;
                if (okVocab.ContainsKey(predicted) && predicted != parts[0] && predicted != parts[1] && predicted != parts[2])
                {
                    break;
                }
            }

            if (predicted == parts[3])
            {
                correct++;
                totalCorrect++;
            }
            else
            {
                incorrect++;
                totalIncorrect++;
            }
        }

        if (sectionName is not null)
        {
            sections.Add(new AnalogySection(sectionName, correct, incorrect));
        }

        var total = new AnalogySection("Total accuracy", totalCorrect, totalIncorrect);
        sections.Add(total);
        return new AnalogyEvaluation(total.Accuracy, sections, oov);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _vectors.Dispose();
        Subwords?.Vectors.Dispose();
        _owner?.Dispose();
    }

    internal float[] Norms => _norms.Value;

    private float[] MeanOf(IEnumerable<string> words, string parameter)
    {
        ArgumentNullException.ThrowIfNull(words, parameter);
        var list = words.ToArray();
        if (list.Length == 0)
        {
            throw new ArgumentException("the word set is empty", parameter);
        }

        var mean = new float[Dimensions];
        foreach (var w in list)
        {
            TensorPrimitives.Add(mean, GetVector(w), mean);
        }

        TensorPrimitives.Divide(mean, list.Length, mean);
        return mean;
    }

    private void CheckDimensions(int length)
    {
        if (length != Dimensions)
        {
            throw new ArgumentException($"the vector has {length} dimensions; these word vectors have {Dimensions}");
        }
    }

    private float[] ComputeNorms()
    {
        var norms = new float[Count];
        Parallel.For(0, Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i => norms[i] = TensorPrimitives.Norm(_vectors.Row(i)));
        return norms;
    }

    private IReadOnlyList<WordScore> Top(float[] unitQuery, int topn, IReadOnlyCollection<int> exclude, int? restrictVocab)
    {
        var limit = Math.Min(restrictVocab ?? Count, Count);
        var norms = _norms.Value;
        var scores = new float[limit];
        const int chunk = 4096;
        Parallel.For(0, (limit + chunk - 1) / chunk, c =>
        {
            var end = Math.Min(limit, (c + 1) * chunk);
            for (var i = c * chunk; i < end; i++)
            {
                scores[i] = norms[i] > 0 ? TensorPrimitives.Dot(_vectors.Row(i), unitQuery) / norms[i] : 0f;
            }
        });
        return TopOfScores(scores, topn, exclude);
    }

    private IReadOnlyList<WordScore> TopOfScores(float[] scores, int topn, IReadOnlyCollection<int> exclude)
    {
        // A min-heap of the best (score, lower index first on ties).
        var keep = Math.Min(topn + exclude.Count, scores.Length);
        var heap = new PriorityQueue<int, (float Score, int Index)>(keep + 1, HeapOrder.Instance);
        for (var i = 0; i < scores.Length; i++)
        {
            var s = scores[i];
            if (float.IsNaN(s))
            {
                continue;
            }

            if (heap.Count < keep)
            {
                heap.Enqueue(i, (s, i));
            }
            else if (heap.TryPeek(out _, out var worst) && (s > worst.Score))
            {
                heap.DequeueEnqueue(i, (s, i));
            }
        }

        var best = new List<WordScore>(heap.Count);
        var ordered = new List<(float Score, int Index)>(heap.Count);
        while (heap.TryDequeue(out var i, out var p))
        {
            ordered.Add(p);
        }

        ordered.Reverse();
        foreach (var (score, index) in ordered)
        {
            if (!exclude.Contains(index) && best.Count < topn)
            {
                best.Add(new WordScore(_words[index], score));
            }
        }

        return best;
    }

    private sealed class HeapOrder : IComparer<(float Score, int Index)>
    {
        public static readonly HeapOrder Instance = new();

        // The root is the worst kept: lowest score, and among equal scores the highest index.
        public int Compare((float Score, int Index) x, (float Score, int Index) y) =>
            x.Score != y.Score ? x.Score.CompareTo(y.Score) : y.Index.CompareTo(x.Index);
    }
}
