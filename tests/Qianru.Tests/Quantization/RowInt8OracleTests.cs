using Qianru.Onnx;
using Qianru.Quantization;

namespace Qianru.Tests.Quantization;

/// <summary>
/// The per-row int8 graph against a naive C# version of the same arithmetic (SmoothQuant division, per-row absmax
/// scale, uint8 with zero point 128, int8 weights with per-column scales, integer dot product), and against float32.
/// </summary>
public sealed class RowInt8OracleTests
{
    private const int K = 96, N = 24, Rows = 6;

    [Theory]
    [InlineData(0f, false)]
    [InlineData(0.6f, false)]
    [InlineData(0.6f, true)]
    public void Onnx_runtime_computes_the_naive_per_row_int8_product(float alpha, bool reduceRange)
    {
        var random = new Random(3);
        var weight = TinyOnnx.Random(random, K * N, 0.2f);
        var bias = TinyOnnx.Random(random, N, 0.5f);
        var x = WithOutlierChannel(TinyOnnx.Random(random, Rows * K, 1f), channel: 5, factor: 40);
        var channelMax = ChannelMax(x);
        var quantized = Quantize(weight, bias, alpha, channelMax, reduceRange);
        var actual = TinyOnnx.Run(quantized, x, Rows, K);
        var expected = Naive(weight, bias, x, alpha, channelMax, reduceRange ? 63 : 127);
        var codes = ModelProto.Parse(quantized).Graph!.Initializer.Single(t => t.DataType == TensorDataType.Int8).RawData.ToArray().Select(b => (int)(sbyte)b).ToArray();
        Assert.Equal(reduceRange ? 63 : 127, codes.Max(Math.Abs));
        for (var i = 0; i < actual.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * Math.Max(1, Math.Abs(expected[i])), $"output {i}: ORT {actual[i]}, oracle {expected[i]}");
        }
    }

    [Fact]
    public void Smoothing_shrinks_the_error_an_outlier_channel_causes()
    {
        var random = new Random(8);
        var weight = TinyOnnx.Random(random, K * N, 0.2f);
        var bias = new float[N];
        var x = WithOutlierChannel(TinyOnnx.Random(random, Rows * K, 1f), channel: 17, factor: 60);
        var exact = TinyOnnx.Run(TinyOnnx.Linear(weight, bias, K, N), x, Rows, K);
        double Error(float alpha)
        {
            var y = TinyOnnx.Run(Quantize(weight, bias, alpha, ChannelMax(x)), x, Rows, K);
            return y.Zip(exact, (a, b) => Math.Abs(a - b)).Max();
        }

        var plain = Error(0);
        var smoothed = Error(0.6f);
        Assert.True(smoothed < plain / 3, $"max error without smoothing {plain}, with {smoothed}");
    }

    [Fact]
    public void A_model_the_calibration_cannot_run_gets_a_message_naming_it_and_the_way_out()
    {
        // The tiny graph's input is a float matrix, not token ids: the calibration run cannot feed it.
        var onnx = TinyOnnx.Linear(new float[64 * 8], new float[8], 64, 8);
        var ex = Assert.Throws<QianruException>(() => ModelQuantizer.QuantizeOnnx(onnx, null, out _, "tiny.onnx", [[101, 2000, 102]]));
        Assert.StartsWith("tiny.onnx: the calibration run for smoothing failed", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--alpha 0", ex.Message, StringComparison.Ordinal);
        ModelQuantizer.QuantizeOnnx(onnx, new QuantizationOptions { SmoothingAlpha = 0 }, out var result, "tiny.onnx", [[101, 2000, 102]]);
        Assert.Equal("none: alpha 0", result.Smoothing);
    }

    [Fact]
    public void Reduced_range_is_chosen_exactly_on_cpus_whose_int8_products_can_saturate()
    {
        var onnx = TinyOnnx.Linear(TinyOnnx.Random(new Random(1), 64 * 8, 0.2f), new float[8], 64, 8);
        ModelQuantizer.QuantizeOnnx(onnx, null, out var auto);
        Assert.Equal(Int8Hardware.PairsCanSaturate ? 7 : 8, auto.WeightBits);
        Assert.Equal(Int8Hardware.PairsCanSaturate, QuantizedModelCache.Tag(new QuantizationOptions()).EndsWith("-r7", StringComparison.Ordinal));
        ModelQuantizer.QuantizeOnnx(onnx, new QuantizationOptions { ReduceRange = true }, out var reduced);
        Assert.Equal(7, reduced.WeightBits);
        Assert.EndsWith("-r7", QuantizedModelCache.Tag(new QuantizationOptions { ReduceRange = true }), StringComparison.Ordinal);
    }

    [Fact]
    public void Four_bit_weights_need_the_block_method()
    {
        var onnx = TinyOnnx.Linear(new float[64 * 8], new float[8], 64, 8);
        var ex = Assert.Throws<ArgumentException>(() => ModelQuantizer.QuantizeOnnx(onnx, new QuantizationOptions { Bits = 4 }, out _));
        Assert.Contains("QuantizationMethod.Block", ex.Message, StringComparison.Ordinal);
    }

    private static byte[] Quantize(float[] weight, float[] bias, float alpha, float[] channelMax, bool reduceRange = false)
    {
        var model = ModelProto.Parse(TinyOnnx.Linear(weight, bias, K, N));
        var nodes = RowInt8GraphQuantizer.Quantize(model, new Dictionary<string, float[]> { ["x"] = channelMax }, alpha, null, reduceRange);
        Assert.Single(nodes);
        return model.ToByteArray();
    }

    private static float[] WithOutlierChannel(float[] x, int channel, float factor)
    {
        for (var r = 0; r < x.Length / K; r++)
        {
            x[(r * K) + channel] *= factor;
        }

        return x;
    }

    private static float[] ChannelMax(float[] x)
    {
        var max = new float[K];
        for (var i = 0; i < x.Length; i++)
        {
            max[i % K] = MathF.Max(max[i % K], MathF.Abs(x[i]));
        }

        return max;
    }

    private static double[] Naive(float[] w, float[] bias, float[] x, float alpha, float[] xMax, int weightMax)
    {
        var smooth = new float[K];
        for (var k = 0; k < K; k++)
        {
            var wMax = 0f;
            for (var j = 0; j < N; j++)
            {
                wMax = MathF.Max(wMax, MathF.Abs(w[(k * N) + j]));
            }

            smooth[k] = alpha > 0 ? MathF.Pow(MathF.Max(xMax[k], 1e-5f), alpha) / MathF.Pow(MathF.Max(wMax, 1e-5f), 1 - alpha) : 1;
        }

        var columnScale = new float[N];
        var wq = new int[K * N];
        for (var j = 0; j < N; j++)
        {
            var max = 0f;
            for (var k = 0; k < K; k++)
            {
                max = MathF.Max(max, MathF.Abs(w[(k * N) + j] * smooth[k]));
            }

            columnScale[j] = max / weightMax;
            for (var k = 0; k < K; k++)
            {
                wq[(k * N) + j] = (int)MathF.Round(w[(k * N) + j] * smooth[k] / columnScale[j]);
            }
        }

        var y = new double[Rows * N];
        for (var r = 0; r < Rows; r++)
        {
            var row = new float[K];
            for (var k = 0; k < K; k++)
            {
                row[k] = x[(r * K) + k] * (1 / smooth[k]);
            }

            var scale = row.Max(MathF.Abs) * (1f / 127);
            var q = row.Select(v => Math.Clamp((int)MathF.Round(v / scale, MidpointRounding.ToEven) + 128, 0, 255) - 128).ToArray();
            for (var j = 0; j < N; j++)
            {
                long acc = 0;
                for (var k = 0; k < K; k++)
                {
                    acc += (long)q[k] * wq[(k * N) + j];
                }

                y[(r * N) + j] = ((double)acc * scale * columnScale[j]) + bias[j];
            }
        }

        return y;
    }
}
