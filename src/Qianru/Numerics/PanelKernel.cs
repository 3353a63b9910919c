using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Qianru.Numerics;

/// <summary>
/// The BLAS-style dot-product kernel for 512-bit SIMD: a chunk of corpus rows is packed once into panels of 32 rows
/// stored dimension-major, then each step broadcasts one value of 6 queries and multiplies it into 2 × 16 lanes of
/// 32 rows (12 accumulators, no horizontal sums). Used by <see cref="Search.SemanticSearch"/> where
/// <see cref="Vector512.IsHardwareAccelerated"/>.
/// </summary>
internal static class PanelKernel
{
    public const int Width = 32;
    private const int Group = 6;

    public static bool IsSupported => Vector512.IsHardwareAccelerated;

    /// <summary>Panel floats needed for <paramref name="rows"/> rows of <paramref name="dims"/> values.</summary>
    public static int PanelLength(int rows, int dims) => PaddedRows(rows) * dims;

    public static int PaddedRows(int rows) => (rows + Width - 1) / Width * Width;

    /// <summary>
    /// Packs rows [c0, c0 + count) of the row-major <paramref name="corpus"/> into <paramref name="panel"/>:
    /// panel[(b·dims + k)·32 + r] = row b·32 + r, value k.
    /// </summary>
    public static void Pack(float[] corpus, int c0, int count, int dims, float[] panel)
    {
        if (c0 < 0 || count < 0 || (long)(c0 + count) * dims > corpus.Length || PanelLength(count, dims) > panel.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(count), "The rows lie outside the corpus or the panel.");
        }

        var blocks = PaddedRows(count) / Width;
        for (var b = 0; b < blocks; b++)
        {
            var baseIndex = b * dims * Width;
            for (var r = 0; r < Width; r++)
            {
                var row = b * Width + r;
                if (row < count)
                {
                    var source = corpus.AsSpan((c0 + row) * dims, dims);
                    for (var k = 0; k < dims; k++)
                    {
                        panel[baseIndex + (k * Width) + r] = source[k];
                    }
                }
                else
                {
                    for (var k = 0; k < dims; k++)
                    {
                        panel[baseIndex + (k * Width) + r] = 0;
                    }
                }
            }
        }
    }

    /// <summary>
    /// scores[(q − q0)·stride + c] = query row q · packed row c, for the qCount rows of the row-major
    /// <paramref name="queries"/> from q0 and every packed row (stride = padded row count).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile(float[] queries, int q0, int qCount, float[] panel, int paddedRows, int dims, float[] scores)
    {
        // The kernel reads through unchecked references: check the whole tile once.
        if (q0 < 0 || qCount < 0 || (long)(q0 + qCount) * dims > queries.Length || (long)paddedRows * dims > panel.Length
            || (long)qCount * paddedRows > scores.Length || paddedRows % Width != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(qCount), "The tile lies outside the queries, the panel or the scores.");
        }

        var blocks = paddedRows / Width;
        ref var q00 = ref MemoryMarshal.GetArrayDataReference(queries);
        ref var p0 = ref MemoryMarshal.GetArrayDataReference(panel);
        ref var s0 = ref MemoryMarshal.GetArrayDataReference(scores);
        var q = 0;
        for (; q + Group <= qCount; q += Group)
        {
            ref var x0 = ref Unsafe.Add(ref q00, (q0 + q + 0) * dims);
            ref var x1 = ref Unsafe.Add(ref q00, (q0 + q + 1) * dims);
            ref var x2 = ref Unsafe.Add(ref q00, (q0 + q + 2) * dims);
            ref var x3 = ref Unsafe.Add(ref q00, (q0 + q + 3) * dims);
            ref var x4 = ref Unsafe.Add(ref q00, (q0 + q + 4) * dims);
            ref var x5 = ref Unsafe.Add(ref q00, (q0 + q + 5) * dims);
            for (var b = 0; b < blocks; b++)
            {
                ref var p = ref Unsafe.Add(ref p0, b * dims * Width);
                Vector512<float> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default;
                Vector512<float> a3 = default, b3 = default, a4 = default, b4 = default, a5 = default, b5 = default;
                for (var k = 0; k < dims; k++)
                {
                    var lo = Vector512.LoadUnsafe(ref p, (nuint)(k * Width));
                    var hi = Vector512.LoadUnsafe(ref p, (nuint)((k * Width) + 16));
                    var s = Vector512.Create(Unsafe.Add(ref x0, k));
                    a0 = Vector512.FusedMultiplyAdd(s, lo, a0);
                    b0 = Vector512.FusedMultiplyAdd(s, hi, b0);
                    s = Vector512.Create(Unsafe.Add(ref x1, k));
                    a1 = Vector512.FusedMultiplyAdd(s, lo, a1);
                    b1 = Vector512.FusedMultiplyAdd(s, hi, b1);
                    s = Vector512.Create(Unsafe.Add(ref x2, k));
                    a2 = Vector512.FusedMultiplyAdd(s, lo, a2);
                    b2 = Vector512.FusedMultiplyAdd(s, hi, b2);
                    s = Vector512.Create(Unsafe.Add(ref x3, k));
                    a3 = Vector512.FusedMultiplyAdd(s, lo, a3);
                    b3 = Vector512.FusedMultiplyAdd(s, hi, b3);
                    s = Vector512.Create(Unsafe.Add(ref x4, k));
                    a4 = Vector512.FusedMultiplyAdd(s, lo, a4);
                    b4 = Vector512.FusedMultiplyAdd(s, hi, b4);
                    s = Vector512.Create(Unsafe.Add(ref x5, k));
                    a5 = Vector512.FusedMultiplyAdd(s, lo, a5);
                    b5 = Vector512.FusedMultiplyAdd(s, hi, b5);
                }

                var at = (nuint)((q * paddedRows) + (b * Width));
                var stride = (nuint)paddedRows;
                a0.StoreUnsafe(ref s0, at);
                b0.StoreUnsafe(ref s0, at + 16);
                a1.StoreUnsafe(ref s0, at + stride);
                b1.StoreUnsafe(ref s0, at + stride + 16);
                a2.StoreUnsafe(ref s0, at + (2 * stride));
                b2.StoreUnsafe(ref s0, at + (2 * stride) + 16);
                a3.StoreUnsafe(ref s0, at + (3 * stride));
                b3.StoreUnsafe(ref s0, at + (3 * stride) + 16);
                a4.StoreUnsafe(ref s0, at + (4 * stride));
                b4.StoreUnsafe(ref s0, at + (4 * stride) + 16);
                a5.StoreUnsafe(ref s0, at + (5 * stride));
                b5.StoreUnsafe(ref s0, at + (5 * stride) + 16);
            }
        }

        for (; q < qCount; q++)
        {
            ref var x = ref Unsafe.Add(ref q00, (q0 + q) * dims);
            for (var b = 0; b < blocks; b++)
            {
                ref var p = ref Unsafe.Add(ref p0, b * dims * Width);
                Vector512<float> a = default, c = default;
                for (var k = 0; k < dims; k++)
                {
                    var s = Vector512.Create(Unsafe.Add(ref x, k));
                    a = Vector512.FusedMultiplyAdd(s, Vector512.LoadUnsafe(ref p, (nuint)(k * Width)), a);
                    c = Vector512.FusedMultiplyAdd(s, Vector512.LoadUnsafe(ref p, (nuint)((k * Width) + 16)), c);
                }

                var at = (nuint)((q * paddedRows) + (b * Width));
                a.StoreUnsafe(ref s0, at);
                c.StoreUnsafe(ref s0, at + 16);
            }
        }
    }
}
