using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Qianru.Numerics;

/// <summary>
/// The arithmetic under the clustering algorithms: a register-blocked float32 dot-product kernel for screening,
/// and double-precision exact distances for the decisions that must agree with scikit-learn (float64).
/// </summary>
internal static class Kernels
{
    /// <summary>
    /// Relative error allowance of a float32 dot product of length-≤4096 vectors against the product of the norms.
    /// Screening results closer than this to a decision boundary are re-checked in double precision.
    /// </summary>
    public const double Float32Slack = 2e-5;

    /// <summary>
    /// result[i * bRows + j] = dot(a row aRow0 + i, b row bRow0 + j) in float32, for i &lt; aRows, j &lt; bRows.
    /// </summary>
    public static void DotBlock(
        float[] a, int aRow0, int aRows, float[] b, int bRow0, int bRows, int dim, Span<float> result)
    {
        // The kernel reads through unchecked references: check the whole block once.
        if (aRow0 < 0 || aRows < 0 || bRow0 < 0 || bRows < 0 || dim < 0
            || (long)(aRow0 + aRows) * dim > a.Length || (long)(bRow0 + bRows) * dim > b.Length || (long)aRows * bRows > result.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(aRows), "The block lies outside the matrices or the result.");
        }

        if (!Vector256.IsHardwareAccelerated || dim < 8)
        {
            for (var i = 0; i < aRows; i++)
            {
                var x = a.AsSpan((aRow0 + i) * dim, dim);
                for (var j = 0; j < bRows; j++)
                {
                    result[i * bRows + j] = TensorPrimitives.Dot(x, b.AsSpan((bRow0 + j) * dim, dim));
                }
            }

            return;
        }

        ref var aRef = ref MemoryMarshal.GetArrayDataReference(a);
        ref var bRef = ref MemoryMarshal.GetArrayDataReference(b);
        var i0 = 0;
        for (; i0 + 4 <= aRows; i0 += 4)
        {
            ref var a0 = ref Unsafe.Add(ref aRef, (aRow0 + i0) * dim);
            ref var a1 = ref Unsafe.Add(ref a0, dim);
            ref var a2 = ref Unsafe.Add(ref a1, dim);
            ref var a3 = ref Unsafe.Add(ref a2, dim);
            var j0 = 0;
            for (; j0 + 2 <= bRows; j0 += 2)
            {
                ref var b0 = ref Unsafe.Add(ref bRef, (bRow0 + j0) * dim);
                ref var b1 = ref Unsafe.Add(ref b0, dim);
                Dot4x2(ref a0, ref a1, ref a2, ref a3, ref b0, ref b1, dim, out var r00, out var r01, out var r10,
                    out var r11, out var r20, out var r21, out var r30, out var r31);
                result[i0 * bRows + j0] = r00;
                result[i0 * bRows + j0 + 1] = r01;
                result[(i0 + 1) * bRows + j0] = r10;
                result[(i0 + 1) * bRows + j0 + 1] = r11;
                result[(i0 + 2) * bRows + j0] = r20;
                result[(i0 + 2) * bRows + j0 + 1] = r21;
                result[(i0 + 3) * bRows + j0] = r30;
                result[(i0 + 3) * bRows + j0 + 1] = r31;
            }

            for (; j0 < bRows; j0++)
            {
                var y = b.AsSpan((bRow0 + j0) * dim, dim);
                for (var t = 0; t < 4; t++)
                {
                    result[(i0 + t) * bRows + j0] = TensorPrimitives.Dot(a.AsSpan((aRow0 + i0 + t) * dim, dim), y);
                }
            }
        }

        for (; i0 < aRows; i0++)
        {
            var x = a.AsSpan((aRow0 + i0) * dim, dim);
            for (var j = 0; j < bRows; j++)
            {
                result[i0 * bRows + j] = TensorPrimitives.Dot(x, b.AsSpan((bRow0 + j) * dim, dim));
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot4x2(
        ref float a0, ref float a1, ref float a2, ref float a3, ref float b0, ref float b1, int dim,
        out float r00, out float r01, out float r10, out float r11, out float r20, out float r21, out float r30,
        out float r31)
    {
        var k = 0;
        r00 = r01 = r10 = r11 = r20 = r21 = r30 = r31 = 0;
        if (Vector512.IsHardwareAccelerated && dim >= 16)
        {
            Vector512<float> w00 = default, w01 = default, w10 = default, w11 = default;
            Vector512<float> w20 = default, w21 = default, w30 = default, w31 = default;
            for (; k + 16 <= dim; k += 16)
            {
                var y0 = Vector512.LoadUnsafe(ref b0, (nuint)k);
                var y1 = Vector512.LoadUnsafe(ref b1, (nuint)k);
                var x = Vector512.LoadUnsafe(ref a0, (nuint)k);
                w00 = Vector512.FusedMultiplyAdd(x, y0, w00);
                w01 = Vector512.FusedMultiplyAdd(x, y1, w01);
                x = Vector512.LoadUnsafe(ref a1, (nuint)k);
                w10 = Vector512.FusedMultiplyAdd(x, y0, w10);
                w11 = Vector512.FusedMultiplyAdd(x, y1, w11);
                x = Vector512.LoadUnsafe(ref a2, (nuint)k);
                w20 = Vector512.FusedMultiplyAdd(x, y0, w20);
                w21 = Vector512.FusedMultiplyAdd(x, y1, w21);
                x = Vector512.LoadUnsafe(ref a3, (nuint)k);
                w30 = Vector512.FusedMultiplyAdd(x, y0, w30);
                w31 = Vector512.FusedMultiplyAdd(x, y1, w31);
            }

            r00 = Vector512.Sum(w00);
            r01 = Vector512.Sum(w01);
            r10 = Vector512.Sum(w10);
            r11 = Vector512.Sum(w11);
            r20 = Vector512.Sum(w20);
            r21 = Vector512.Sum(w21);
            r30 = Vector512.Sum(w30);
            r31 = Vector512.Sum(w31);
        }

        Vector256<float> s00 = default, s01 = default, s10 = default, s11 = default;
        Vector256<float> s20 = default, s21 = default, s30 = default, s31 = default;
        for (; k + 8 <= dim; k += 8)
        {
            var y0 = Vector256.LoadUnsafe(ref b0, (nuint)k);
            var y1 = Vector256.LoadUnsafe(ref b1, (nuint)k);
            var x = Vector256.LoadUnsafe(ref a0, (nuint)k);
            s00 = Vector256.FusedMultiplyAdd(x, y0, s00);
            s01 = Vector256.FusedMultiplyAdd(x, y1, s01);
            x = Vector256.LoadUnsafe(ref a1, (nuint)k);
            s10 = Vector256.FusedMultiplyAdd(x, y0, s10);
            s11 = Vector256.FusedMultiplyAdd(x, y1, s11);
            x = Vector256.LoadUnsafe(ref a2, (nuint)k);
            s20 = Vector256.FusedMultiplyAdd(x, y0, s20);
            s21 = Vector256.FusedMultiplyAdd(x, y1, s21);
            x = Vector256.LoadUnsafe(ref a3, (nuint)k);
            s30 = Vector256.FusedMultiplyAdd(x, y0, s30);
            s31 = Vector256.FusedMultiplyAdd(x, y1, s31);
        }

        r00 += Vector256.Sum(s00);
        r01 += Vector256.Sum(s01);
        r10 += Vector256.Sum(s10);
        r11 += Vector256.Sum(s11);
        r20 += Vector256.Sum(s20);
        r21 += Vector256.Sum(s21);
        r30 += Vector256.Sum(s30);
        r31 += Vector256.Sum(s31);
        for (; k < dim; k++)
        {
            float y0 = Unsafe.Add(ref b0, k), y1 = Unsafe.Add(ref b1, k);
            float x0 = Unsafe.Add(ref a0, k), x1 = Unsafe.Add(ref a1, k), x2 = Unsafe.Add(ref a2, k), x3 = Unsafe.Add(ref a3, k);
            r00 += x0 * y0;
            r01 += x0 * y1;
            r10 += x1 * y0;
            r11 += x1 * y1;
            r20 += x2 * y0;
            r21 += x2 * y1;
            r30 += x3 * y0;
            r31 += x3 * y1;
        }
    }

    /// <summary>Squared euclidean distance in double precision.</summary>
    public static double SquaredDistance(ReadOnlySpan<float> x, ReadOnlySpan<double> y)
    {
        var i = 0;
        var sum = 0.0;
        if (Vector256.IsHardwareAccelerated && x.Length >= 8)
        {
            ref var xr = ref MemoryMarshal.GetReference(x);
            ref var yr = ref MemoryMarshal.GetReference(y);
            Vector256<double> a0 = default, a1 = default;
            for (; i + 8 <= x.Length; i += 8)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref xr, (nuint)i));
                var d0 = lo - Vector256.LoadUnsafe(ref yr, (nuint)i);
                var d1 = hi - Vector256.LoadUnsafe(ref yr, (nuint)(i + 4));
                a0 = Vector256.FusedMultiplyAdd(d0, d0, a0);
                a1 = Vector256.FusedMultiplyAdd(d1, d1, a1);
            }

            sum = Vector256.Sum(a0 + a1);
        }

        for (; i < x.Length; i++)
        {
            var d = x[i] - y[i];
            sum += d * d;
        }

        return sum;
    }

    /// <summary>Squared euclidean distance in double precision.</summary>
    public static double SquaredDistance(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        var i = 0;
        var sum = 0.0;
        if (Vector256.IsHardwareAccelerated && x.Length >= 8)
        {
            ref var xr = ref MemoryMarshal.GetReference(x);
            ref var yr = ref MemoryMarshal.GetReference(y);
            Vector256<double> a0 = default, a1 = default;
            for (; i + 8 <= x.Length; i += 8)
            {
                var (xlo, xhi) = Vector256.Widen(Vector256.LoadUnsafe(ref xr, (nuint)i));
                var (ylo, yhi) = Vector256.Widen(Vector256.LoadUnsafe(ref yr, (nuint)i));
                var d0 = xlo - ylo;
                var d1 = xhi - yhi;
                a0 = Vector256.FusedMultiplyAdd(d0, d0, a0);
                a1 = Vector256.FusedMultiplyAdd(d1, d1, a1);
            }

            sum = Vector256.Sum(a0 + a1);
        }

        for (; i < x.Length; i++)
        {
            var d = (double)x[i] - y[i];
            sum += d * d;
        }

        return sum;
    }

    /// <summary>Dot product in double precision.</summary>
    public static double Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        var i = 0;
        var sum = 0.0;
        if (Vector256.IsHardwareAccelerated && x.Length >= 8)
        {
            ref var xr = ref MemoryMarshal.GetReference(x);
            ref var yr = ref MemoryMarshal.GetReference(y);
            Vector256<double> a0 = default, a1 = default;
            for (; i + 8 <= x.Length; i += 8)
            {
                var (xlo, xhi) = Vector256.Widen(Vector256.LoadUnsafe(ref xr, (nuint)i));
                var (ylo, yhi) = Vector256.Widen(Vector256.LoadUnsafe(ref yr, (nuint)i));
                a0 = Vector256.FusedMultiplyAdd(xlo, ylo, a0);
                a1 = Vector256.FusedMultiplyAdd(xhi, yhi, a1);
            }

            sum = Vector256.Sum(a0 + a1);
        }

        for (; i < x.Length; i++)
        {
            sum += (double)x[i] * y[i];
        }

        return sum;
    }

    /// <summary>Squared norm of every row, in double precision.</summary>
    public static double[] SquaredNorms(VectorMatrix m)
    {
        var norms = new double[m.Rows];
        ParallelChunks.For(m.Rows, 4096, (_, start, end) =>
        {
            for (var i = start; i < end; i++)
            {
                norms[i] = Dot(m.Row(i), m.Row(i));
            }
        });
        return norms;
    }

    /// <summary>Adds a float row into a double accumulator.</summary>
    public static void AddTo(ReadOnlySpan<float> x, Span<double> sum)
    {
        if (sum.Length < x.Length)
        {
            throw new ArgumentException("The accumulator is shorter than the row.", nameof(sum));
        }

        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            ref var xr = ref MemoryMarshal.GetReference(x);
            ref var sr = ref MemoryMarshal.GetReference(sum);
            for (; i + 16 <= x.Length; i += 16)
            {
                var (lo, hi) = Vector512.Widen(Vector512.LoadUnsafe(ref xr, (nuint)i));
                (Vector512.LoadUnsafe(ref sr, (nuint)i) + lo).StoreUnsafe(ref sr, (nuint)i);
                (Vector512.LoadUnsafe(ref sr, (nuint)(i + 8)) + hi).StoreUnsafe(ref sr, (nuint)(i + 8));
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            ref var xr = ref MemoryMarshal.GetReference(x);
            ref var sr = ref MemoryMarshal.GetReference(sum);
            for (; i + 8 <= x.Length; i += 8)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref xr, (nuint)i));
                (Vector256.LoadUnsafe(ref sr, (nuint)i) + lo).StoreUnsafe(ref sr, (nuint)i);
                (Vector256.LoadUnsafe(ref sr, (nuint)(i + 4)) + hi).StoreUnsafe(ref sr, (nuint)(i + 4));
            }
        }

        for (; i < x.Length; i++)
        {
            sum[i] += x[i];
        }
    }
}
