using Qianru.Clustering;

namespace Qianru.Tests.Clustering;

public sealed class CommunityDetectionTests
{
    public static TheoryData<string> Cases => SklearnReference.Names("community");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Communities_match_the_reference_algorithm(string name)
    {
        var c = SklearnReference.Case("community", name);
        var expected = c.GetProperty("communities").EnumerateArray().Select(a => a.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray();
        var communities = CommunityDetection.Find(SklearnReference.Rows(c), c.GetProperty("threshold").GetDouble(), c.GetProperty("min_community_size").GetInt32());
        Assert.Equal(expected, communities);
    }

    [Fact]
    public void Communities_do_not_overlap_and_labels_follow_them()
    {
        var x = KMeansTests.RandomRows(300, 4, seed: 6);
        var communities = CommunityDetection.Find(x, 0.8, 5);
        Assert.NotEmpty(communities);
        var all = communities.SelectMany(c => c).ToArray();
        Assert.Equal(all.Length, all.Distinct().Count());
        Assert.All(communities, c => Assert.True(c.Length >= 5));
        var labels = CommunityDetection.ToLabels(communities, x.Length);
        Assert.Equal(x.Length - all.Length, labels.Count(l => l == -1));
    }

    [Fact]
    public void Bad_threshold_or_size_fail()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CommunityDetection.Find([[1f]], 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => CommunityDetection.Find([[1f]], 0.5, 0));
    }
}
