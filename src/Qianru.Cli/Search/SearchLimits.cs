using System.Globalization;
using Qianru.Cli.Infrastructure;
using Qianru.Search;

namespace Qianru.Cli.Search;

/// <summary>The documented ranges of the search options, checked before anything is allocated.</summary>
internal static class SearchLimits
{
    /// <summary>--k: 1 to 10,000 neighbours per query.</summary>
    public const int MaxK = 10_000;

    /// <summary>--ef, --ef-construction: 1 to 10,000 candidates.</summary>
    public const int MaxEf = VectorSearchOptions.MaxEf;

    /// <summary>The most hits one knn run may hold (queries × k): 50 million, about 400 MB.</summary>
    public const long MaxHits = 50_000_000;

    public static void CheckK(int k) => CheckRange("--k", k, 1, MaxK);

    public static void CheckEf(string option, int? ef)
    {
        if (ef is { } value)
        {
            CheckRange(option, value, 1, MaxEf);
        }
    }

    public static void CheckRange(string option, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            throw new CliUsageException($"{option} {value}: out of range; must be {min} to {max.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    public static void CheckHits(int queries, int k, int corpus)
    {
        var hits = (long)queries * Math.Min(k, corpus);
        if (hits > MaxHits)
        {
            throw new CliUsageException(string.Create(CultureInfo.InvariantCulture,
                $"{queries:N0} queries × k {Math.Min(k, corpus):N0} = {hits:N0} hits, more than one run holds ({MaxHits:N0}); lower --k or split the queries"));
        }
    }
}
