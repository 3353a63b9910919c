namespace Qianru.Search;

/// <summary>
/// Keeps the k best (score, id) pairs offered, where "better" is a higher score, and on equal scores the lower id.
/// A binary heap with the worst kept pair at the root. Not thread-safe.
/// </summary>
internal sealed class TopKCollector
{
    private readonly float[] _scores;
    private readonly int[] _ids;

    public TopKCollector(int k)
    {
        _scores = new float[k];
        _ids = new int[k];
    }

    public int Count { get; private set; }

    public int Capacity => _scores.Length;

    /// <summary>True while fewer than k are kept, or when (score, id) beats the worst kept pair.</summary>
    public bool WouldAccept(float score, int id) =>
        Count < _scores.Length || score > _scores[0] || (score == _scores[0] && id < _ids[0]);

    public void Offer(float score, int id)
    {
        if (Count < _scores.Length)
        {
            var i = Count++;
            _scores[i] = score;
            _ids[i] = id;
            SiftUp(i);
            return;
        }

        if (!(score > _scores[0] || (score == _scores[0] && id < _ids[0])))
        {
            return;
        }

        _scores[0] = score;
        _ids[0] = id;
        SiftDown(0);
    }

    public void MergeInto(TopKCollector other)
    {
        for (var i = 0; i < Count; i++)
        {
            other.Offer(_scores[i], _ids[i]);
        }
    }

    /// <summary>The kept pairs, best first.</summary>
    public (float Score, int Id)[] ToSortedArray()
    {
        var result = new (float Score, int Id)[Count];
        for (var i = 0; i < Count; i++)
        {
            result[i] = (_scores[i], _ids[i]);
        }

        Array.Sort(result, static (a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.Id.CompareTo(b.Id));
        return result;
    }

    private static bool Worse(float s1, int id1, float s2, int id2) => s1 < s2 || (s1 == s2 && id1 > id2);

    private void SiftUp(int i)
    {
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (!Worse(_scores[i], _ids[i], _scores[parent], _ids[parent]))
            {
                break;
            }

            Swap(i, parent);
            i = parent;
        }
    }

    private void SiftDown(int i)
    {
        while (true)
        {
            var left = (2 * i) + 1;
            if (left >= Count)
            {
                return;
            }

            var worst = left;
            var right = left + 1;
            if (right < Count && Worse(_scores[right], _ids[right], _scores[left], _ids[left]))
            {
                worst = right;
            }

            if (!Worse(_scores[worst], _ids[worst], _scores[i], _ids[i]))
            {
                return;
            }

            Swap(i, worst);
            i = worst;
        }
    }

    private void Swap(int a, int b)
    {
        (_scores[a], _scores[b]) = (_scores[b], _scores[a]);
        (_ids[a], _ids[b]) = (_ids[b], _ids[a]);
    }
}
