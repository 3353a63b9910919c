using System.Numerics.Tensors;

namespace Qianru.Search;

/// <summary>
/// Scalar int8 quantization with per-dimension ranges learned from calibration vectors, exactly as
/// sentence-transformers' <c>quantize_embeddings(..., precision="int8")</c>:
/// <c>starts = min</c>, <c>steps = (max − min) / 255</c>, <c>q = (int)((x − starts) / steps − 128)</c>.
/// </summary>
/// <remarks>Immutable and thread-safe. Values outside the calibration range wrap as in NumPy's <c>astype(int8)</c>
/// would be a surprise, so they are clamped to [-128, 127] instead.</remarks>
public sealed class Int8Quantizer
{
    private readonly float[] _starts;
    private readonly float[] _steps;

    private Int8Quantizer(float[] starts, float[] steps)
    {
        _starts = starts;
        _steps = steps;
    }

    /// <summary>The per-dimension minimum of the calibration vectors.</summary>
    public ReadOnlySpan<float> Starts => _starts;

    /// <summary>The per-dimension step, (max − min) / 255.</summary>
    public ReadOnlySpan<float> Steps => _steps;

    /// <summary>The vector length.</summary>
    public int Dimensions => _starts.Length;

    /// <summary>Learns the per-dimension ranges from <paramref name="calibration"/> vectors.</summary>
    /// <exception cref="ArgumentException">No vectors, or vectors of different lengths.</exception>
    public static Int8Quantizer Fit(IReadOnlyList<float[]> calibration)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        if (calibration.Count == 0)
        {
            throw new ArgumentException("int8 quantization needs at least one calibration vector", nameof(calibration));
        }

        var dims = calibration[0].Length;
        for (var i = 1; i < calibration.Count; i++)
        {
            if (calibration[i].Length != dims)
            {
                throw new ArgumentException($"calibration vector {i} has {calibration[i].Length} dimensions but vector 0 has {dims}", nameof(calibration));
            }
        }

        return Fit(VectorMatrix.FromRows(calibration));
    }

    /// <summary>Learns the per-dimension ranges from the rows of <paramref name="calibration"/>.</summary>
    /// <exception cref="ArgumentException">No rows.</exception>
    public static Int8Quantizer Fit(VectorMatrix calibration)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        if (calibration.Rows == 0)
        {
            throw new ArgumentException("int8 quantization needs at least one calibration vector", nameof(calibration));
        }

        var dims = calibration.Dimensions;
        var min = calibration.RowToArray(0);
        var max = calibration.RowToArray(0);
        for (var i = 1; i < calibration.Rows; i++)
        {
            TensorPrimitives.Min(min, calibration.Row(i), min);
            TensorPrimitives.Max(max, calibration.Row(i), max);
        }

        var steps = new float[dims];
        TensorPrimitives.Subtract(max, min, steps);
        TensorPrimitives.Divide(steps, 255f, steps);
        return new Int8Quantizer(min, steps);
    }

    /// <summary>Quantizes <paramref name="vector"/> into <paramref name="destination"/>.</summary>
    public void Quantize(ReadOnlySpan<float> vector, Span<sbyte> destination)
    {
        CheckLength(vector.Length);
        for (var j = 0; j < vector.Length; j++)
        {
            // float32 arithmetic, as NumPy does for float32 embeddings; a zero step maps everything to -128.
            var scaled = _steps[j] == 0 ? 0f : (vector[j] - _starts[j]) / _steps[j];
            var q = MathF.Truncate(scaled - 128f);
            destination[j] = (sbyte)Math.Clamp(q, -128f, 127f);
        }
    }

    /// <summary>Quantizes one vector.</summary>
    public sbyte[] Quantize(float[] vector)
    {
        ArgumentNullException.ThrowIfNull(vector);
        var result = new sbyte[vector.Length];
        Quantize(vector, result);
        return result;
    }

    /// <summary>The float vector a quantized vector stands for: <c>starts + steps × (q + 128)</c>.</summary>
    public float[] Dequantize(ReadOnlySpan<sbyte> quantized)
    {
        CheckLength(quantized.Length);
        var result = new float[quantized.Length];
        for (var j = 0; j < result.Length; j++)
        {
            result[j] = _starts[j] + (_steps[j] * (quantized[j] + 128));
        }

        return result;
    }

    private void CheckLength(int length)
    {
        if (length != _starts.Length)
        {
            throw new ArgumentException($"the vector has {length} dimensions but the quantizer was calibrated on {_starts.Length}");
        }
    }
}
