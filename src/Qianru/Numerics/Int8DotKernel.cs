using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Qianru.Numerics;

/// <summary>
/// Dot products of float weight vectors with uint8 code rows (<c>Σ w_j · code_j</c>), four weight vectors at a time so
/// that each row of codes is widened to float once and used four times. AVX-512 and AVX2 paths, scalar otherwise.
/// </summary>
internal static class Int8DotKernel
{
    /// <summary>Dots of <paramref name="w0"/>..<paramref name="w3"/> with <paramref name="codes"/>.</summary>
    public static void Dot4(ReadOnlySpan<byte> codes, ReadOnlySpan<float> w0, ReadOnlySpan<float> w1, ReadOnlySpan<float> w2, ReadOnlySpan<float> w3, Span<float> result)
    {
        var n = codes.Length;
        var j = 0;
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        ref var c = ref MemoryMarshal.GetReference(codes);
        ref var r0 = ref MemoryMarshal.GetReference(w0);
        ref var r1 = ref MemoryMarshal.GetReference(w1);
        ref var r2 = ref MemoryMarshal.GetReference(w2);
        ref var r3 = ref MemoryMarshal.GetReference(w3);
        if (Avx512F.IsSupported && n >= 16)
        {
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; j <= n - 16; j += 16)
            {
                var f = Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.LoadUnsafe(ref c, (nuint)j)));
                a0 = Avx512F.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r0, (nuint)j), f, a0);
                a1 = Avx512F.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r1, (nuint)j), f, a1);
                a2 = Avx512F.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r2, (nuint)j), f, a2);
                a3 = Avx512F.FusedMultiplyAdd(Vector512.LoadUnsafe(ref r3, (nuint)j), f, a3);
            }

            s0 = Vector512.Sum(a0);
            s1 = Vector512.Sum(a1);
            s2 = Vector512.Sum(a2);
            s3 = Vector512.Sum(a3);
        }
        else if (Avx2.IsSupported && Fma.IsSupported && n >= 8)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; j <= n - 8; j += 8)
            {
                var f = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<long>(ref Unsafe.Add(ref c, j))).AsByte()));
                a0 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref r0, (nuint)j), f, a0);
                a1 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref r1, (nuint)j), f, a1);
                a2 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref r2, (nuint)j), f, a2);
                a3 = Fma.MultiplyAdd(Vector256.LoadUnsafe(ref r3, (nuint)j), f, a3);
            }

            s0 = Vector256.Sum(a0);
            s1 = Vector256.Sum(a1);
            s2 = Vector256.Sum(a2);
            s3 = Vector256.Sum(a3);
        }

        for (; j < n; j++)
        {
            float v = Unsafe.Add(ref c, j);
            s0 += Unsafe.Add(ref r0, j) * v;
            s1 += Unsafe.Add(ref r1, j) * v;
            s2 += Unsafe.Add(ref r2, j) * v;
            s3 += Unsafe.Add(ref r3, j) * v;
        }

        result[0] = s0;
        result[1] = s1;
        result[2] = s2;
        result[3] = s3;
    }
}
