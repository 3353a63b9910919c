using System.Text;

namespace Qianru.WordVectors;

/// <summary>
/// fastText character n-gram subwords: the n-grams (minn..maxn characters) of "&lt;word&gt;" hashed with 32-bit FNV-1a
/// (over UTF-8 bytes, each byte sign-extended as fastText does) into <see cref="Bucket"/> rows.
/// </summary>
internal sealed class SubwordModel
{
    public SubwordModel(int minN, int maxN, int bucket, FloatMatrix vectors)
    {
        MinN = minN;
        MaxN = maxN;
        Bucket = bucket;
        Vectors = vectors;
    }

    public int MinN { get; }

    public int MaxN { get; }

    public int Bucket { get; }

    public FloatMatrix Vectors { get; }

    /// <summary>The bucket rows of the n-grams of <paramref name="word"/> (fastText's computeSubwords, without the word itself).</summary>
    public static int[] NgramBuckets(string word, int minN, int maxN, int bucket)
    {
        if (maxN <= 0)
        {
            return [];
        }

        var bytes = System.Text.Encoding.UTF8.GetBytes("<" + word + ">");
        var result = new List<int>();
        for (var i = 0; i < bytes.Length; i++)
        {
            if ((bytes[i] & 0xC0) == 0x80)
            {
                continue;
            }

            var h = 2166136261u;
            for (int j = i, n = 1; j < bytes.Length && n <= maxN; n++)
            {
                h = (h ^ (uint)(sbyte)bytes[j]) * 16777619u;
                j++;
                while (j < bytes.Length && (bytes[j] & 0xC0) == 0x80)
                {
                    h = (h ^ (uint)(sbyte)bytes[j]) * 16777619u;
                    j++;
                }

                if (n >= minN && !(n == 1 && (i == 0 || j == bytes.Length)))
                {
                    result.Add((int)(h % (uint)bucket));
                }
            }
        }

        return [.. result];
    }

    /// <summary>Builds the vector of a word outside the vocabulary as the mean of its n-gram vectors; false when it has none.</summary>
    public bool TryCompose(string word, Span<float> destination)
    {
        var buckets = NgramBuckets(word, MinN, MaxN, Bucket);
        if (buckets.Length == 0)
        {
            return false;
        }

        destination.Clear();
        foreach (var b in buckets)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(destination, Vectors.Row(b), destination);
        }

        System.Numerics.Tensors.TensorPrimitives.Divide(destination, buckets.Length, destination);
        return true;
    }
}
