namespace Qianru.Quantization;

/// <summary>
/// Symmetric block quantization of a row-major float weight [K, N] into the layout of ONNX Runtime's MatMulNBits:
/// B is [N, blocks, blockSize * bits / 8] bytes (column n's K values, block after block, 4-bit values two per byte,
/// low nibble first) and scales is [N * blocks]; the zero point is the default 2^(bits-1).
/// </summary>
internal static class BlockQuantizer
{
    public static (byte[] Packed, float[] Scales) Quantize(ReadOnlySpan<float> weight, int k, int n, int bits, int blockSize, bool perChannel)
    {
        var blocks = (k + blockSize - 1) / blockSize;
        var blobSize = blockSize * bits / 8;
        var packed = new byte[n * blocks * blobSize];
        var scales = new float[n * blocks];
        var qmax = (1 << (bits - 1)) - 1;
        var zero = 1 << (bits - 1);
        var column = new float[k];
        for (var col = 0; col < n; col++)
        {
            for (var row = 0; row < k; row++)
            {
                column[row] = weight[(row * n) + col];
            }

            var columnMax = perChannel ? MaxAbs(column) : 0f;
            for (var b = 0; b < blocks; b++)
            {
                var start = b * blockSize;
                var values = column.AsSpan(start, Math.Min(blockSize, k - start));
                var max = perChannel ? columnMax : MaxAbs(values);
                var scale = max > 0 ? max / qmax : 1f;
                scales[(col * blocks) + b] = scale;
                var blob = packed.AsSpan(((col * blocks) + b) * blobSize, blobSize);
                for (var i = 0; i < blockSize; i++)
                {
                    var q = i < values.Length ? Math.Clamp((int)MathF.Round(values[i] / scale, MidpointRounding.ToEven), -qmax - 1, qmax) + zero : zero;
                    if (bits == 8)
                    {
                        blob[i] = (byte)q;
                    }
                    else
                    {
                        blob[i >> 1] |= (byte)((i & 1) == 0 ? q : q << 4);
                    }
                }
            }
        }

        return (packed, scales);
    }

    /// <summary>The weight that the quantized form stands for (for tests and error reports).</summary>
    public static float Dequantize(ReadOnlySpan<byte> packed, ReadOnlySpan<float> scales, int k, int n, int bits, int blockSize, int row, int col)
    {
        var blocks = (k + blockSize - 1) / blockSize;
        var blobSize = blockSize * bits / 8;
        var b = row / blockSize;
        var i = row % blockSize;
        var blob = packed.Slice(((col * blocks) + b) * blobSize, blobSize);
        var q = bits == 8 ? blob[i] : (i & 1) == 0 ? blob[i >> 1] & 0x0F : blob[i >> 1] >> 4;
        return (q - (1 << (bits - 1))) * scales[(col * blocks) + b];
    }

    private static float MaxAbs(ReadOnlySpan<float> values)
    {
        var max = 0f;
        foreach (var v in values)
        {
            max = Math.Max(max, Math.Abs(v));
        }

        return max;
    }
}
