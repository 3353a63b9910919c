using Qianru.Quantization;

namespace Qianru.Tests.Quantization;

/// <summary>
/// The quantized graph against a naive double-precision oracle: ONNX Runtime running our MatMulNBits weights must
/// compute x·dequant(W) + b, which checks the weight layout, nibble packing, scales, default zero point and bias fusion.
/// </summary>
public sealed class MatMulNBitsOracleTests
{
    [Theory]
    [InlineData(8, 32, 128, false)]
    [InlineData(8, 64, 96, false)]
    [InlineData(8, 16, 100, true)]
    [InlineData(4, 32, 128, false)]
    [InlineData(4, 64, 96, true)]
    public void Float_compute_equals_the_dequantized_weights(int bits, int blockSize, int k, bool perChannel)
    {
        const int n = 40, rows = 7;
        var random = new Random(bits * 1000 + blockSize + k);
        var weight = TinyOnnx.Random(random, k * n, 0.2f);
        var bias = TinyOnnx.Random(random, n, 0.5f);
        var x = TinyOnnx.Random(random, rows * k, 1f);
        var options = new QuantizationOptions { Method = QuantizationMethod.Block, Bits = bits, BlockSize = blockSize, PerChannel = perChannel, AccuracyLevel = 0 };
        var quantized = ModelQuantizer.QuantizeOnnx(TinyOnnx.Linear(weight, bias, k, n), options, out var result);
        Assert.Equal(["layer.dense"], result.Quantized);
        Assert.Equal(1, result.FusedBiases);

        var (packed, scales) = BlockQuantizer.Quantize(weight, k, n, bits, blockSize, perChannel);
        var actual = TinyOnnx.Run(quantized, x, rows, k);
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < n; c++)
            {
                double expected = bias[c];
                for (var i = 0; i < k; i++)
                {
                    expected += (double)x[(r * k) + i] * BlockQuantizer.Dequantize(packed, scales, k, n, bits, blockSize, i, c);
                }

                Assert.True(Math.Abs(expected - actual[(r * n) + c]) <= 1e-4, $"row {r} col {c}: ORT {actual[(r * n) + c]}, oracle {expected}");
            }
        }
    }

    [Theory]
    [InlineData(8, 32)]
    [InlineData(8, 128)]
    public void Int8_compute_stays_close_to_float32(int bits, int blockSize)
    {
        const int k = 256, n = 48, rows = 5;
        var random = new Random(7);
        var weight = TinyOnnx.Random(random, k * n, 0.2f);
        var bias = TinyOnnx.Random(random, n, 0.5f);
        var x = TinyOnnx.Random(random, rows * k, 1f);
        var quantized = ModelQuantizer.QuantizeOnnx(TinyOnnx.Linear(weight, bias, k, n), new QuantizationOptions { Method = QuantizationMethod.Block, Bits = bits, BlockSize = blockSize }, out _);
        var actual = TinyOnnx.Run(quantized, x, rows, k);
        var exact = TinyOnnx.Run(TinyOnnx.Linear(weight, bias, k, n), x, rows, k);
        for (var r = 0; r < rows; r++)
        {
            var cosine = Golden.Cosine(actual.AsSpan(r * n, n), exact.AsSpan(r * n, n));
            Assert.True(cosine >= 0.999, $"row {r}: cosine {cosine}");
        }
    }

    [Theory]
    [InlineData(QuantizationMethod.Block)]
    [InlineData(QuantizationMethod.RowInt8)]
    public void A_row_gives_the_same_output_alone_and_with_other_rows(QuantizationMethod method)
    {
        const int k = 384, n = 64;
        var random = new Random(11);
        var weight = TinyOnnx.Random(random, k * n, 0.2f);
        var bias = TinyOnnx.Random(random, n, 0.5f);
        var quantized = ModelQuantizer.QuantizeOnnx(TinyOnnx.Linear(weight, bias, k, n), new QuantizationOptions { Method = method }, out _);
        var row = TinyOnnx.Random(random, k, 1f);
        var alone = TinyOnnx.Run(quantized, row, 1, k);

        // Neighbours 100× larger would change a shared (per-tensor) activation scale.
        var big = TinyOnnx.Random(random, 3 * k, 100f);
        var batch = big[..k].Concat(row).Concat(big[k..]).ToArray();
        var together = TinyOnnx.Run(quantized, batch, 4, k);
        Assert.Equal(alone, together.AsSpan(n, n).ToArray());
    }

    [Theory]
    [InlineData(QuantizationMethod.Block)]
    [InlineData(QuantizationMethod.RowInt8)]
    public void Excluded_layers_stay_float32(QuantizationMethod method)
    {
        var weight = new float[64 * 8];
        var quantized = ModelQuantizer.QuantizeOnnx(TinyOnnx.Linear(weight, new float[8], 64, 8), new QuantizationOptions { Method = method, Exclude = ["LAYER.*"] }, out var result);
        Assert.Empty(result.Quantized);
        Assert.Equal(["layer.dense: excluded"], result.Skipped);
        Assert.Equal(new float[8], TinyOnnx.Run(quantized, new float[64], 1, 64));
    }

    [Fact]
    public void Bytes_that_are_not_onnx_fail_with_the_source_name()
    {
        var ex = Assert.Throws<InvalidDataException>(() => ModelQuantizer.QuantizeOnnx([1, 2, 3, 4, 5], null, out _, "broken.onnx"));
        Assert.StartsWith("broken.onnx: not an ONNX model", ex.Message, StringComparison.Ordinal);
    }
}
