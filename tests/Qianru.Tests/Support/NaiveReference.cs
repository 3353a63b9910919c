using Microsoft.ML.OnnxRuntime;

namespace Qianru.Tests.Support;

/// <summary>
/// An independent, deliberately plain path to a sentence vector: one text at a time, no padding, ids from Hugging
/// Face's own tokenizer, pooling in double precision with sentence-transformers' formulas.
/// </summary>
public static class NaiveReference
{
    private static readonly Lazy<InferenceSession> Session = new(() =>
        new InferenceSession(Qianru.Models.EmbeddedModels.ReadOnnx(Qianru.Models.EmbeddedModels.MiniLM)));

    /// <summary>Token embeddings [tokens, 384] of the MiniLM weights for the given ids.</summary>
    public static float[][] TokenEmbeddings(long[] ids)
    {
        var n = ids.Length;
        using var idValue = OrtValue.CreateTensorValueFromMemory(ids, [1, n]);
        using var mask = OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1L, n).ToArray(), [1, n]);
        using var types = OrtValue.CreateTensorValueFromMemory(new long[n], [1, n]);
        using var run = new RunOptions();
        using var outputs = Session.Value.Run(run, ["input_ids", "attention_mask", "token_type_ids"], [idValue, mask, types], ["last_hidden_state"]);
        var data = outputs[0].GetTensorDataAsSpan<float>();
        var dim = data.Length / n;
        var rows = new float[n][];
        for (var t = 0; t < n; t++)
        {
            rows[t] = data.Slice(t * dim, dim).ToArray();
        }

        return rows;
    }

    /// <summary>sentence-transformers' pooling over tokens [skipFirst, n).</summary>
    public static double[] Pool(float[][] tokens, string mode, int skipFirst = 0)
    {
        var dim = tokens[0].Length;
        var result = new double[dim];
        var kept = tokens.Skip(skipFirst).ToArray();
        switch (mode)
        {
            case "cls":
                for (var d = 0; d < dim; d++) result[d] = tokens[0][d];
                break;
            case "lasttoken":
                for (var d = 0; d < dim; d++) result[d] = tokens[^1][d];
                break;
            case "max":
                for (var d = 0; d < dim; d++) result[d] = kept.Max(t => (double)t[d]);
                break;
            case "mean":
            case "mean_sqrt_len_tokens":
                for (var d = 0; d < dim; d++) result[d] = kept.Sum(t => (double)t[d]);
                var div = mode == "mean" ? kept.Length : Math.Sqrt(kept.Length);
                for (var d = 0; d < dim; d++) result[d] /= div;
                break;
            default:
                throw new ArgumentException(mode);
        }

        return result;
    }

    public static double[] Normalize(double[] v)
    {
        var norm = Math.Sqrt(v.Sum(x => x * x));
        return [.. v.Select(x => x / norm)];
    }

    public static void AssertClose(double[] expected, float[] actual, double tolerance = 1e-4)
    {
        Assert.Equal(expected.Length, actual.Length);
        var maxDiff = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        var cos = Golden.Cosine([.. expected.Select(x => (float)x)], actual);
        Assert.True(maxDiff <= tolerance && cos >= 0.9999, $"max |Δ| {maxDiff}, cosine {cos}");
    }
}
