using Qianru.Clustering;

namespace Qianru.Tests.Clustering;

public sealed class PcaTests
{
    public static TheoryData<string> Cases => SklearnReference.Names("pca");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Two_dimensional_projection_matches_sklearn_including_signs(string name)
    {
        var c = SklearnReference.Case("pca", name);
        var expected = SklearnReference.DoubleRows(c, "projection");
        var projection = Pca.Project(SklearnReference.Rows(c));
        Assert.Equal(expected.Length, projection.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(2, projection[i].Length);
            Assert.Equal(expected[i][0], projection[i][0], 1e-8);
            Assert.Equal(expected[i][1], projection[i][1], 1e-8);
        }
    }

    [Fact]
    public void Too_many_components_fail()
    {
        Assert.Throws<ArgumentException>(() => Pca.Project([[1f, 2f, 3f]], 2));
    }
}
