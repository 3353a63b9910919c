using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Qianru.Search;

/// <summary>
/// Dot products of a block of queries against a block of corpus rows, register-blocked (4 queries × 3 rows per
/// step, 12 SIMD accumulators; 512-bit where the CPU has it) so each loaded row feeds four products: the core of exact search.
/// Falls back to <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/> without 256-bit SIMD.
/// </summary>
internal static class DotKernel
{

    /// <summary>
    /// scores[(q - q0) * cCount + (c - c0)] = queries[q] · corpus[c] for q in [q0, q0 + qCount), c in [c0, c0 + cCount).
    /// </summary>
    public static void Tile(IReadOnlyList<float[]> queries, int q0, int qCount, IReadOnlyList<float[]> corpus, int c0, int cCount, Span<float> scores)
    {
        var dims = queries[q0].Length;
        var simd = Vector256.IsHardwareAccelerated && dims >= 8;
        var wide = Vector512.IsHardwareAccelerated && dims >= 16;
        var q = 0;
        if (simd)
        {
            for (; q + 4 <= qCount; q += 4)
            {
                var qa = queries[q0 + q];
                var qb = queries[q0 + q + 1];
                var qc = queries[q0 + q + 2];
                var qd = queries[q0 + q + 3];
                var c = 0;
                for (; c + 3 <= cCount; c += 3)
                {
                    if (wide)
                    {
                        Block4x3Wide(qa, qb, qc, qd, corpus[c0 + c], corpus[c0 + c + 1], corpus[c0 + c + 2], dims, scores, (q * cCount) + c, cCount);
                    }
                    else
                    {
                        Block4x3(qa, qb, qc, qd, corpus[c0 + c], corpus[c0 + c + 1], corpus[c0 + c + 2], dims, scores, (q * cCount) + c, cCount);
                    }
                }

                for (; c < cCount; c++)
                {
                    var row = corpus[c0 + c];
                    scores[(q * cCount) + c] = TensorPrimitives.Dot(qa, row);
                    scores[((q + 1) * cCount) + c] = TensorPrimitives.Dot(qb, row);
                    scores[((q + 2) * cCount) + c] = TensorPrimitives.Dot(qc, row);
                    scores[((q + 3) * cCount) + c] = TensorPrimitives.Dot(qd, row);
                }
            }
        }

        for (; q < qCount; q++)
        {
            var query = queries[q0 + q];
            for (var c = 0; c < cCount; c++)
            {
                scores[(q * cCount) + c] = TensorPrimitives.Dot(query, corpus[c0 + c]);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block4x3(float[] qa, float[] qb, float[] qc, float[] qd, float[] r0, float[] r1, float[] r2, int dims, Span<float> scores, int at, int stride)
    {
        ref var pa = ref MemoryMarshal.GetArrayDataReference(qa);
        ref var pb = ref MemoryMarshal.GetArrayDataReference(qb);
        ref var pc = ref MemoryMarshal.GetArrayDataReference(qc);
        ref var pd = ref MemoryMarshal.GetArrayDataReference(qd);
        ref var p0 = ref MemoryMarshal.GetArrayDataReference(r0);
        ref var p1 = ref MemoryMarshal.GetArrayDataReference(r1);
        ref var p2 = ref MemoryMarshal.GetArrayDataReference(r2);
        Vector256<float> a0 = default, a1 = default, a2 = default;
        Vector256<float> b0 = default, b1 = default, b2 = default;
        Vector256<float> c0 = default, c1 = default, c2 = default;
        Vector256<float> d0 = default, d1 = default, d2 = default;
        var k = 0;
        for (; k + 8 <= dims; k += 8)
        {
            var i = (nuint)k;
            var v0 = Vector256.LoadUnsafe(ref p0, i);
            var v1 = Vector256.LoadUnsafe(ref p1, i);
            var v2 = Vector256.LoadUnsafe(ref p2, i);
            var x = Vector256.LoadUnsafe(ref pa, i);
            a0 = Vector256.FusedMultiplyAdd(x, v0, a0);
            a1 = Vector256.FusedMultiplyAdd(x, v1, a1);
            a2 = Vector256.FusedMultiplyAdd(x, v2, a2);
            x = Vector256.LoadUnsafe(ref pb, i);
            b0 = Vector256.FusedMultiplyAdd(x, v0, b0);
            b1 = Vector256.FusedMultiplyAdd(x, v1, b1);
            b2 = Vector256.FusedMultiplyAdd(x, v2, b2);
            x = Vector256.LoadUnsafe(ref pc, i);
            c0 = Vector256.FusedMultiplyAdd(x, v0, c0);
            c1 = Vector256.FusedMultiplyAdd(x, v1, c1);
            c2 = Vector256.FusedMultiplyAdd(x, v2, c2);
            x = Vector256.LoadUnsafe(ref pd, i);
            d0 = Vector256.FusedMultiplyAdd(x, v0, d0);
            d1 = Vector256.FusedMultiplyAdd(x, v1, d1);
            d2 = Vector256.FusedMultiplyAdd(x, v2, d2);
        }

        float sa0 = Vector256.Sum(a0), sa1 = Vector256.Sum(a1), sa2 = Vector256.Sum(a2);
        float sb0 = Vector256.Sum(b0), sb1 = Vector256.Sum(b1), sb2 = Vector256.Sum(b2);
        float sc0 = Vector256.Sum(c0), sc1 = Vector256.Sum(c1), sc2 = Vector256.Sum(c2);
        float sd0 = Vector256.Sum(d0), sd1 = Vector256.Sum(d1), sd2 = Vector256.Sum(d2);
        for (; k < dims; k++)
        {
            float x0 = r0[k], x1 = r1[k], x2 = r2[k];
            sa0 += qa[k] * x0; sa1 += qa[k] * x1; sa2 += qa[k] * x2;
            sb0 += qb[k] * x0; sb1 += qb[k] * x1; sb2 += qb[k] * x2;
            sc0 += qc[k] * x0; sc1 += qc[k] * x1; sc2 += qc[k] * x2;
            sd0 += qd[k] * x0; sd1 += qd[k] * x1; sd2 += qd[k] * x2;
        }

        scores[at] = sa0; scores[at + 1] = sa1; scores[at + 2] = sa2;
        at += stride;
        scores[at] = sb0; scores[at + 1] = sb1; scores[at + 2] = sb2;
        at += stride;
        scores[at] = sc0; scores[at + 1] = sc1; scores[at + 2] = sc2;
        at += stride;
        scores[at] = sd0; scores[at + 1] = sd1; scores[at + 2] = sd2;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block4x3Wide(float[] qa, float[] qb, float[] qc, float[] qd, float[] r0, float[] r1, float[] r2, int dims, Span<float> scores, int at, int stride)
    {
        ref var pa = ref MemoryMarshal.GetArrayDataReference(qa);
        ref var pb = ref MemoryMarshal.GetArrayDataReference(qb);
        ref var pc = ref MemoryMarshal.GetArrayDataReference(qc);
        ref var pd = ref MemoryMarshal.GetArrayDataReference(qd);
        ref var p0 = ref MemoryMarshal.GetArrayDataReference(r0);
        ref var p1 = ref MemoryMarshal.GetArrayDataReference(r1);
        ref var p2 = ref MemoryMarshal.GetArrayDataReference(r2);
        Vector512<float> a0 = default, a1 = default, a2 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default;
        Vector512<float> c0 = default, c1 = default, c2 = default;
        Vector512<float> d0 = default, d1 = default, d2 = default;
        var k = 0;
        for (; k + 16 <= dims; k += 16)
        {
            var i = (nuint)k;
            var v0 = Vector512.LoadUnsafe(ref p0, i);
            var v1 = Vector512.LoadUnsafe(ref p1, i);
            var v2 = Vector512.LoadUnsafe(ref p2, i);
            var x = Vector512.LoadUnsafe(ref pa, i);
            a0 = Vector512.FusedMultiplyAdd(x, v0, a0);
            a1 = Vector512.FusedMultiplyAdd(x, v1, a1);
            a2 = Vector512.FusedMultiplyAdd(x, v2, a2);
            x = Vector512.LoadUnsafe(ref pb, i);
            b0 = Vector512.FusedMultiplyAdd(x, v0, b0);
            b1 = Vector512.FusedMultiplyAdd(x, v1, b1);
            b2 = Vector512.FusedMultiplyAdd(x, v2, b2);
            x = Vector512.LoadUnsafe(ref pc, i);
            c0 = Vector512.FusedMultiplyAdd(x, v0, c0);
            c1 = Vector512.FusedMultiplyAdd(x, v1, c1);
            c2 = Vector512.FusedMultiplyAdd(x, v2, c2);
            x = Vector512.LoadUnsafe(ref pd, i);
            d0 = Vector512.FusedMultiplyAdd(x, v0, d0);
            d1 = Vector512.FusedMultiplyAdd(x, v1, d1);
            d2 = Vector512.FusedMultiplyAdd(x, v2, d2);
        }

        float sa0 = Vector512.Sum(a0), sa1 = Vector512.Sum(a1), sa2 = Vector512.Sum(a2);
        float sb0 = Vector512.Sum(b0), sb1 = Vector512.Sum(b1), sb2 = Vector512.Sum(b2);
        float sc0 = Vector512.Sum(c0), sc1 = Vector512.Sum(c1), sc2 = Vector512.Sum(c2);
        float sd0 = Vector512.Sum(d0), sd1 = Vector512.Sum(d1), sd2 = Vector512.Sum(d2);
        for (; k < dims; k++)
        {
            float x0 = r0[k], x1 = r1[k], x2 = r2[k];
            sa0 += qa[k] * x0; sa1 += qa[k] * x1; sa2 += qa[k] * x2;
            sb0 += qb[k] * x0; sb1 += qb[k] * x1; sb2 += qb[k] * x2;
            sc0 += qc[k] * x0; sc1 += qc[k] * x1; sc2 += qc[k] * x2;
            sd0 += qd[k] * x0; sd1 += qd[k] * x1; sd2 += qd[k] * x2;
        }

        scores[at] = sa0; scores[at + 1] = sa1; scores[at + 2] = sa2;
        at += stride;
        scores[at] = sb0; scores[at + 1] = sb1; scores[at + 2] = sb2;
        at += stride;
        scores[at] = sc0; scores[at + 1] = sc1; scores[at + 2] = sc2;
        at += stride;
        scores[at] = sd0; scores[at + 1] = sd1; scores[at + 2] = sd2;
    }
}
