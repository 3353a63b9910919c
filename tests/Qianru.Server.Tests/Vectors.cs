namespace Qianru.Server.Tests;

internal static class Vectors
{
    /// <summary>Equal within <paramref name="tolerance"/> per component (ONNX results vary in the last bits with batch shape).</summary>
    public static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tolerance = 1e-5f)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            if (MathF.Abs(expected[i] - actual[i]) > tolerance)
            {
                Assert.Fail($"component {i}: expected {expected[i]}, got {actual[i]} (tolerance {tolerance})");
            }
        }
    }
}
