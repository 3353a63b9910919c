using System.Buffers;
using System.Text;

namespace Qianru.Tokenization.SentencePiece;

/// <summary>
/// A Unigram language model over pieces: the best segmentation of a word by Viterbi over piece scores, as Hugging
/// Face's tokenizers runs it (<c>models/unigram/model.rs</c>, its optimized encoder).
/// </summary>
/// <remarks>
/// <para>Rules reproduced: every piece of the vocabulary is a candidate (special tokens included); a code point with no
/// single-code-point piece gets the unknown piece with score <c>min score − 10</c>; the best path keeps the first
/// candidate on ties (candidates are visited by start, then by length); consecutive unknown pieces are fused into one
/// token, which is then looked up in the vocabulary and, with byte fallback, becomes its UTF-8 bytes
/// <c>&lt;0xXX&gt;</c> when all of them exist, else the unknown id. Scores are doubles, as in the Rust code.</para>
/// <para>The pieces sit in a trie over UTF-16 code units: the root's children in a 65,536-entry table, deeper
/// children in sorted runs. Immutable and safe for concurrent use.</para>
/// </remarks>
internal sealed class UnigramModel
{
    private const double UnknownPenalty = 10.0;

    private readonly string[] _pieces;
    private readonly double[] _scores;
    private readonly Dictionary<string, int> _ids;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _idsBySpan;
    private readonly int[]? _byteIds;
    private readonly double _unknownScore;

    // Trie: node 0 is the root. _rootChild[c] is the child of the root for char c (or -1); for other nodes the
    // children are nodes _firstChild[n] .. _firstChild[n] + _childCount[n] - 1, sorted by _label.
    private readonly int[] _rootChild = new int[0x10000];
    private readonly int[] _firstChild;
    private readonly int[] _childCount;
    private readonly char[] _label;
    private readonly int[] _pieceOf;

    public UnigramModel(IReadOnlyList<(string Piece, double Score)> vocabulary, int? unknownId, bool byteFallback, string source)
    {
        if (vocabulary.Count == 0)
        {
            throw new InvalidDataException($"{source}: the Unigram vocabulary is empty.");
        }

        if (unknownId is { } u && (u < 0 || u >= vocabulary.Count))
        {
            throw new InvalidDataException($"{source}: unk_id {u} is outside the vocabulary (0..{vocabulary.Count - 1}).");
        }

        _pieces = new string[vocabulary.Count];
        _scores = new double[vocabulary.Count];
        _ids = new Dictionary<string, int>(vocabulary.Count, StringComparer.Ordinal);
        var min = double.PositiveInfinity;
        for (var i = 0; i < vocabulary.Count; i++)
        {
            var (piece, score) = vocabulary[i];
            _pieces[i] = piece;
            _scores[i] = score;
            _ids[piece] = i; // a repeated piece resolves to its last id, as in Hugging Face's map
            min = Math.Min(min, score);
        }

        _idsBySpan = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
        _unknownScore = min - UnknownPenalty;
        UnknownId = unknownId;
        if (byteFallback)
        {
            var bytes = new int[256];
            for (var b = 0; b < 256; b++)
            {
                bytes[b] = _ids.TryGetValue($"<0x{b:X2}>", out var id) ? id : -1;
            }

            _byteIds = bytes;
        }

        (_firstChild, _childCount, _label, _pieceOf) = BuildTrie();
    }

    /// <summary>The number of pieces.</summary>
    public int Count => _pieces.Length;

    /// <summary>The unknown piece's id, if the model has one.</summary>
    public int? UnknownId { get; }

    /// <summary>Whether unknown text becomes byte pieces <c>&lt;0xXX&gt;</c>.</summary>
    public bool ByteFallback => _byteIds is not null;

    /// <summary>The piece of an id.</summary>
    public string Piece(int id) => _pieces[id];

    /// <summary>The id of a piece, if it is in the vocabulary.</summary>
    public bool TryGetId(string piece, out int id) => _ids.TryGetValue(piece, out id);

    /// <summary>
    /// Appends the ids of the best segmentation of <paramref name="word"/>; with <paramref name="spans"/>, the
    /// [start, end) of each id in <paramref name="word"/> (byte pieces of one fused unknown token share its span).
    /// Returns how many of the ids are the unknown id.
    /// </summary>
    public int Encode(ReadOnlySpan<char> word, List<int> ids, List<(int Start, int End)>? spans)
    {
        var n = word.Length;
        if (n == 0)
        {
            return 0;
        }

        double[]? rentedScores = null;
        int[]? rentedInts = null;
        var score = n < 256 ? stackalloc double[n + 1] : (rentedScores = ArrayPool<double>.Shared.Rent(n + 1)).AsSpan(0, n + 1);
        var ints = n < 256 ? stackalloc int[2 * (n + 1)] : (rentedInts = ArrayPool<int>.Shared.Rent(2 * (n + 1))).AsSpan(0, 2 * (n + 1));
        var from = ints[..(n + 1)];
        var piece = ints[(n + 1)..];
        from.Fill(-1);
        try
        {
            return Viterbi(word, ids, spans, score, from, piece);
        }
        finally
        {
            if (rentedScores is not null)
            {
                ArrayPool<double>.Shared.Return(rentedScores);
            }

            if (rentedInts is not null)
            {
                ArrayPool<int>.Shared.Return(rentedInts);
            }
        }
    }

    private int Viterbi(ReadOnlySpan<char> word, List<int> ids, List<(int Start, int End)>? spans, Span<double> score, Span<int> from, Span<int> piece)
    {
        var n = word.Length;
        score[0] = 0;
        var unknown = UnknownId ?? -1;

        var start = 0;
        while (start < n)
        {
            var baseScore = score[start];
            var width = char.IsHighSurrogate(word[start]) && start + 1 < n && char.IsLowSurrogate(word[start + 1]) ? 2 : 1;
            var single = false;
            var node = _rootChild[word[start]];
            var end = start + 1;
            while (node >= 0)
            {
                var id = _pieceOf[node];
                if (id >= 0)
                {
                    var candidate = baseScore + _scores[id];
                    if (from[end] < 0 || candidate > score[end])
                    {
                        score[end] = candidate;
                        from[end] = start;
                        piece[end] = id;
                    }

                    single |= end - start == width;
                }

                if (end >= n)
                {
                    break;
                }

                node = Child(node, word[end]);
                end++;
            }

            if (!single)
            {
                if (unknown < 0)
                {
                    throw new InvalidOperationException("The Unigram model met a character it has no piece for and has no unknown piece (unk_id is null).");
                }

                var candidate = baseScore + _unknownScore;
                var target = start + width;
                if (from[target] < 0 || candidate > score[target])
                {
                    score[target] = candidate;
                    from[target] = start;
                    piece[target] = unknown;
                }
            }

            start += width;
        }

        // Walk back from the end; consecutive unknown pieces fuse into one token.
        var first = ids.Count;
        var firstSpan = spans?.Count ?? 0;
        var unknownCount = 0;
        var position = n;
        while (position > 0)
        {
            var begin = from[position];
            var id = piece[position];
            if (id == unknown)
            {
                var fusedEnd = position;
                while (begin > 0 && piece[begin] == unknown)
                {
                    begin = from[begin];
                }

                unknownCount += AppendUnknown(word[begin..fusedEnd], begin, ids, spans);
                position = begin;
                continue;
            }

            ids.Add(id);
            spans?.Add((begin, position));
            position = begin;
        }

        ids.Reverse(first, ids.Count - first);
        spans?.Reverse(firstSpan, spans.Count - firstSpan);
        return unknownCount;
    }

    // Appends in reverse order (the caller reverses the whole word at the end).
    private int AppendUnknown(ReadOnlySpan<char> text, int offset, List<int> ids, List<(int, int)>? spans)
    {
        var span = (offset, offset + text.Length);
        if (_idsBySpan.TryGetValue(text, out var known))
        {
            ids.Add(known);
            spans?.Add(span);
            return known == UnknownId ? 1 : 0;
        }

        if (_byteIds is not null)
        {
            Span<byte> utf8 = text.Length <= 64 ? stackalloc byte[text.Length * 3] : new byte[text.Length * 3];
            var count = Encoding.UTF8.GetBytes(text, utf8);
            var all = true;
            for (var i = 0; i < count && all; i++)
            {
                all = _byteIds[utf8[i]] >= 0;
            }

            if (all)
            {
                for (var i = count - 1; i >= 0; i--)
                {
                    ids.Add(_byteIds[utf8[i]]);
                    spans?.Add(span);
                }

                return 0;
            }
        }

        ids.Add(UnknownId!.Value);
        spans?.Add(span);
        return 1;
    }

    private int Child(int node, char c)
    {
        var lo = _firstChild[node];
        var hi = lo + _childCount[node] - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var label = _label[mid];
            if (label == c)
            {
                return mid;
            }

            if (label < c)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return -1;
    }

    private (int[] FirstChild, int[] ChildCount, char[] Label, int[] PieceOf) BuildTrie()
    {
        // Distinct pieces (a repeated piece keeps its last id), sorted by UTF-16 code units: the pieces below a node
        // are a contiguous run, so nodes are made breadth-first with each node's children next to each other.
        var sorted = _ids.Where(p => p.Key.Length > 0).Select(p => (Piece: p.Key, Id: p.Value)).ToArray();
        Array.Sort(sorted, (a, b) => string.CompareOrdinal(a.Piece, b.Piece));

        var firstChild = new List<int> { 0 };
        var childCount = new List<int> { 0 };
        var label = new List<char> { '\0' };
        var pieceOf = new List<int> { -1 };
        Array.Fill(_rootChild, -1);

        var queue = new Queue<(int Node, int Lo, int Hi, int Depth)>();
        queue.Enqueue((0, 0, sorted.Length, 0));
        while (queue.Count > 0)
        {
            var (node, lo, hi, depth) = queue.Dequeue();
            if (lo < hi && sorted[lo].Piece.Length == depth)
            {
                pieceOf[node] = sorted[lo].Id;
                lo++;
            }

            firstChild[node] = label.Count;
            var children = 0;
            var i = lo;
            while (i < hi)
            {
                var c = sorted[i].Piece[depth];
                var j = i + 1;
                while (j < hi && sorted[j].Piece[depth] == c)
                {
                    j++;
                }

                var child = label.Count;
                firstChild.Add(0);
                childCount.Add(0);
                label.Add(c);
                pieceOf.Add(-1);
                if (node == 0)
                {
                    _rootChild[c] = child;
                }

                queue.Enqueue((child, i, j, depth + 1));
                children++;
                i = j;
            }

            childCount[node] = children;
        }

        return ([.. firstChild], [.. childCount], [.. label], [.. pieceOf]);
    }
}
