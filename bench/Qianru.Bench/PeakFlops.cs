using System.Diagnostics;
using System.Runtime.Intrinsics;

namespace Qianru.Bench;

/// <summary>Measures the machine's fp32 FMA peak: independent FMA chains on every core with the widest vectors.</summary>
internal static class PeakFlops
{
    public static double Measure(int threads)
    {
        const int iterations = 20_000_000;
        var sw = Stopwatch.StartNew();
        var flopsPerIteration = 0;
        // One dedicated thread per core (Parallel.For may run both items on one pool thread).
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            if (Vector512.IsHardwareAccelerated)
            {
                flopsPerIteration = 8 * 16 * 2;
                Run512(iterations);
            }
            else
            {
                flopsPerIteration = 8 * 8 * 2;
                Run256(iterations);
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        return (double)iterations * flopsPerIteration * threads / sw.Elapsed.TotalSeconds;
    }

    private static float Run512(int n)
    {
        var a = Vector512.Create(1.0000001f);
        var b = Vector512.Create(0.9999999f);
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        for (var i = 0; i < n; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(a, b, c0);
            c1 = Vector512.FusedMultiplyAdd(a, b, c1);
            c2 = Vector512.FusedMultiplyAdd(a, b, c2);
            c3 = Vector512.FusedMultiplyAdd(a, b, c3);
            c4 = Vector512.FusedMultiplyAdd(a, b, c4);
            c5 = Vector512.FusedMultiplyAdd(a, b, c5);
            c6 = Vector512.FusedMultiplyAdd(a, b, c6);
            c7 = Vector512.FusedMultiplyAdd(a, b, c7);
        }

        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7);
    }

    private static float Run256(int n)
    {
        var a = Vector256.Create(1.0000001f);
        var b = Vector256.Create(0.9999999f);
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        for (var i = 0; i < n; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(a, b, c0);
            c1 = Vector256.FusedMultiplyAdd(a, b, c1);
            c2 = Vector256.FusedMultiplyAdd(a, b, c2);
            c3 = Vector256.FusedMultiplyAdd(a, b, c3);
            c4 = Vector256.FusedMultiplyAdd(a, b, c4);
            c5 = Vector256.FusedMultiplyAdd(a, b, c5);
            c6 = Vector256.FusedMultiplyAdd(a, b, c6);
            c7 = Vector256.FusedMultiplyAdd(a, b, c7);
        }

        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7);
    }
}
