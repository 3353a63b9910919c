namespace Qianru.WordVectors;

/// <summary>Collects rows while a file streams by; duplicate words keep their first vector, as gensim does.</summary>
internal sealed class KeyedVectorsBuilder
{
    private readonly List<string> _words;
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private float[] _vectors;
    private int _dim;
    private int _rows;
    private float[] _discard = [];

    public KeyedVectorsBuilder(int capacity, int dim)
    {
        // A header may claim any count: start modestly (at most 2^18 rows and 2^24 floats) and grow as rows really arrive.
        capacity = Math.Min(capacity, 1 << 18);
        if (dim > 0)
        {
            capacity = (int)Math.Min(capacity, Math.Max(1, (1 << 24) / dim));
        }

        _words = new List<string>(capacity);
        _dim = dim;
        _vectors = dim > 0 ? new float[(long)capacity * dim] : [];
    }

    public int Count => _rows;

    /// <summary>Rows added, duplicates included (what a header's count counts).</summary>
    public int RowsRead { get; private set; }

    public void SetDimensions(int dim)
    {
        _dim = dim;
        _vectors = new float[Math.Min((long)Math.Max(_words.Capacity, 16), Math.Max(1, (1 << 24) / dim)) * dim];
    }

    /// <summary>Adds a word and returns the span to fill with its vector (a scratch span for a duplicate).</summary>
    public Span<float> AddRow(string word)
    {
        RowsRead++;
        if (!_seen.Add(word))
        {
            if (_discard.Length != _dim)
            {
                _discard = new float[_dim];
            }

            return _discard;
        }

        if ((long)(_rows + 1) * _dim > _vectors.LongLength)
        {
            var grown = Math.Max(16L, (long)_rows * 2) * _dim;
            if ((long)(_rows + 1) * _dim > Array.MaxLength)
            {
                throw new InvalidDataException($"{_rows + 1} words × {_dim} dimensions do not fit in one array of {Array.MaxLength} floats; read fewer words (a limit)");
            }

            Array.Resize(ref _vectors, (int)Math.Min(grown, Array.MaxLength / _dim * _dim));
        }

        _words.Add(word);
        var span = _vectors.AsSpan(_rows * _dim, _dim);
        _rows++;
        return span;
    }

    public KeyedVectorsData Build()
    {
        var vectors = _vectors;
        if (vectors.LongLength != (long)_rows * _dim)
        {
            Array.Resize(ref vectors, _rows * _dim);
        }

        return new KeyedVectorsData([.. _words], vectors, _dim);
    }
}
