using Qianru.Numerics;

namespace Qianru.Tests.Numerics;

public sealed class KernelsTests
{
    [Theory]
    [InlineData(7, 5, 3)]
    [InlineData(9, 11, 8)]
    [InlineData(4, 2, 16)]
    [InlineData(13, 7, 29)]
    [InlineData(5, 3, 384)]
    [InlineData(6, 9, 385)]
    public void DotBlock_matches_a_naive_double_dot_for_every_shape(int aRows, int bRows, int dim)
    {
        var random = new Random(aRows * 1000 + bRows * 10 + dim);
        var a = Enumerable.Range(0, (aRows + 2) * dim).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var b = Enumerable.Range(0, (bRows + 1) * dim).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var result = new float[aRows * bRows];
        Kernels.DotBlock(a, 2, aRows, b, 1, bRows, dim, result);
        for (var i = 0; i < aRows; i++)
        {
            for (var j = 0; j < bRows; j++)
            {
                var expected = 0.0;
                for (var t = 0; t < dim; t++)
                {
                    expected += (double)a[(2 + i) * dim + t] * b[(1 + j) * dim + t];
                }

                Assert.Equal(expected, result[i * bRows + j], 1e-4);
                Assert.Equal(expected, Kernels.Dot(a.AsSpan((2 + i) * dim, dim), b.AsSpan((1 + j) * dim, dim)), 1e-12);
            }
        }
    }

    [Fact]
    public void DotBlock_refuses_a_block_outside_the_arrays()
    {
        var a = new float[10 * 8];
        Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.DotBlock(a, 8, 4, a, 0, 2, 8, new float[8]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Kernels.DotBlock(a, 0, 4, a, 0, 2, 8, new float[7]));
    }

    [Fact]
    public void Exact_distances_match_a_naive_oracle()
    {
        var random = new Random(5);
        var x = Enumerable.Range(0, 37).Select(_ => (float)random.NextDouble()).ToArray();
        var y = Enumerable.Range(0, 37).Select(_ => (float)random.NextDouble()).ToArray();
        var expected = x.Select((v, i) => ((double)v - y[i]) * ((double)v - y[i])).Sum();
        Assert.Equal(expected, Kernels.SquaredDistance(x, y), 1e-13);
        Assert.Equal(expected, Kernels.SquaredDistance(x, y.Select(v => (double)v).ToArray()), 1e-13);
    }
}
