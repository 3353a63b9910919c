namespace Qianru.Search;

/// <summary>
/// Binary quantization: one bit per dimension, set when the value is positive, packed most significant bit first,
/// as sentence-transformers' <c>quantize_embeddings(..., precision="ubinary")</c> (<c>numpy.packbits(x &gt; 0)</c>).
/// </summary>
public static class BinaryQuantizer
{
    /// <summary>The packed sign bits of <paramref name="vector"/>: ceil(dimensions / 8) bytes.</summary>
    public static byte[] Quantize(ReadOnlySpan<float> vector)
    {
        var bytes = new byte[(vector.Length + 7) / 8];
        for (var j = 0; j < vector.Length; j++)
        {
            if (vector[j] > 0)
            {
                bytes[j >> 3] |= (byte)(0x80 >> (j & 7));
            }
        }

        return bytes;
    }

    /// <summary>The sign bits of <paramref name="vector"/> packed into 64-bit words (bit j of the vector is bit j % 64 of word j / 64).</summary>
    internal static void QuantizeWords(ReadOnlySpan<float> vector, Span<ulong> words)
    {
        words.Clear();
        for (var j = 0; j < vector.Length; j++)
        {
            if (vector[j] > 0)
            {
                words[j >> 6] |= 1UL << (j & 63);
            }
        }
    }
}
