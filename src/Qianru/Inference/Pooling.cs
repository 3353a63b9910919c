using System.Numerics.Tensors;
using Qianru.Models;
using Qianru.Similarity;

namespace Qianru.Inference;

/// <summary>Pools token embeddings into one vector per text, honouring the attention mask.</summary>
internal static class Pooling
{
    /// <summary>
    /// Pools one row of <paramref name="hidden"/> ([tokens, dim], row-major) whose first <paramref name="length"/>
    /// tokens are real (the rest is padding). Tokens before <paramref name="skipFirst"/> are left out, as
    /// sentence-transformers does for prompt tokens when include_prompt is false.
    /// </summary>
    public static void Pool(ReadOnlySpan<float> hidden, int dim, int length, int skipFirst, PoolingMode mode, Span<float> output)
    {
        output.Clear();
        var first = Math.Min(skipFirst, length);
        var count = length - first;
        switch (mode)
        {
            case PoolingMode.Cls:
                // sentence-transformers takes token 0 whatever the mask says.
                hidden[..dim].CopyTo(output);
                return;
            case PoolingMode.LastToken:
                hidden.Slice((length - 1) * dim, dim).CopyTo(output);
                return;
            case PoolingMode.Max:
                if (count == 0)
                {
                    output.Fill(-1e9f);
                    return;
                }

                hidden.Slice(first * dim, dim).CopyTo(output);
                for (var t = first + 1; t < length; t++)
                {
                    TensorPrimitives.Max(output, hidden.Slice(t * dim, dim), output);
                }

                return;
            case PoolingMode.Mean:
            case PoolingMode.MeanSqrtLength:
                for (var t = first; t < length; t++)
                {
                    TensorPrimitives.Add(output, hidden.Slice(t * dim, dim), output);
                }

                var denominator = Math.Max(count, 1e-9f);
                TensorPrimitives.Divide(output, mode == PoolingMode.Mean ? denominator : MathF.Sqrt(denominator), output);
                return;
            default:
                throw new NotSupportedException($"Pooling {mode} is not supported.");
        }
    }

    /// <summary>
    /// A pooled vector as a caller gets it: its first <paramref name="dimensions"/> values (Matryoshka truncation),
    /// then L2-normalized when <paramref name="normalize"/>, in a new array. The one place both the library and the
    /// server finish vectors.
    /// </summary>
    public static float[] Finish(ReadOnlySpan<float> pooled, int dimensions, bool normalize)
    {
        var vector = new float[Math.Min(dimensions, pooled.Length)];
        Finish(pooled, normalize, vector);
        return vector;
    }

    /// <summary>
    /// Finishes a pooled vector into <paramref name="destination"/>: its first <c>destination.Length</c> values
    /// (Matryoshka truncation), L2-normalized when <paramref name="normalize"/>.
    /// </summary>
    public static void Finish(ReadOnlySpan<float> pooled, bool normalize, Span<float> destination)
    {
        pooled[..destination.Length].CopyTo(destination);
        if (normalize)
        {
            VectorSimilarity.Normalize(destination);
        }
    }
}
