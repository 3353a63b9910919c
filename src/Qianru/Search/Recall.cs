namespace Qianru.Search;

/// <summary>Recall of approximate search results against exact ones.</summary>
public static class Recall
{
    /// <summary>
    /// Recall@k: the fraction of the exact top-k ids (k = each exact row's length) that the approximate row also
    /// returns, averaged over all queries. 1 means the approximate search found every true neighbour.
    /// </summary>
    /// <exception cref="ArgumentException">The two results have different numbers of queries.</exception>
    public static double AtK(IReadOnlyList<SearchHit[]> exact, IReadOnlyList<SearchHit[]> approximate)
    {
        ArgumentNullException.ThrowIfNull(exact);
        ArgumentNullException.ThrowIfNull(approximate);
        if (exact.Count != approximate.Count)
        {
            throw new ArgumentException($"exact results have {exact.Count} queries but approximate results have {approximate.Count}", nameof(approximate));
        }

        long found = 0, total = 0;
        for (var q = 0; q < exact.Count; q++)
        {
            var truth = exact[q].Select(h => h.Id).ToHashSet();
            total += truth.Count;
            found += approximate[q].Take(exact[q].Length).Count(h => truth.Contains(h.Id));
        }

        return total == 0 ? 1 : (double)found / total;
    }
}
