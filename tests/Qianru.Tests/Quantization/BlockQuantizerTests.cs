using Qianru.Quantization;

namespace Qianru.Tests.Quantization;

/// <summary>Block quantization against its definition on seeded random weights.</summary>
public sealed class BlockQuantizerTests
{
    [Theory]
    [InlineData(8, 32, false)]
    [InlineData(8, 128, true)]
    [InlineData(4, 32, false)]
    public void Every_weight_is_within_half_a_step_of_its_block_scale(int bits, int blockSize, bool perChannel)
    {
        const int k = 200, n = 9;
        var weight = TinyOnnx.Random(new Random(bits + blockSize), k * n, 0.3f);
        var (packed, scales) = BlockQuantizer.Quantize(weight, k, n, bits, blockSize, perChannel);
        var blocks = (k + blockSize - 1) / blockSize;
        Assert.Equal(n * blocks * blockSize * bits / 8, packed.Length);
        var qmax = (1 << (bits - 1)) - 1;
        for (var c = 0; c < n; c++)
        {
            for (var b = 0; b < blocks; b++)
            {
                var rows = Enumerable.Range(b * blockSize, Math.Min(blockSize, k - (b * blockSize)));
                var max = (perChannel ? Enumerable.Range(0, k) : rows).Max(r => Math.Abs(weight[(r * n) + c]));
                Assert.Equal(max / qmax, scales[(c * blocks) + b], 6);
                foreach (var r in rows)
                {
                    var back = BlockQuantizer.Dequantize(packed, scales, k, n, bits, blockSize, r, c);
                    Assert.True(Math.Abs(back - weight[(r * n) + c]) <= (scales[(c * blocks) + b] / 2) + 1e-7, $"({r},{c})");
                }
            }
        }
    }
}
