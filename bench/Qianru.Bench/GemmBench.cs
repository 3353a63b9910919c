using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Qianru.Onnx;

namespace Qianru.Bench;

/// <summary>
/// What the CPU allows: one weight GEMM of MiniLM ([512 tokens, K] × [K, N]) in ONNX Runtime as float32 MatMul and as
/// uint8 × int8 MatMulIntegerToFloat (MLAS QGEMM; AVX-512 VNNI where the CPU has it), one intra-op thread.
/// Usage: quantize --gemm.
/// </summary>
internal static class GemmBench
{
    public static int Run()
    {
        const int m = 512;
        Console.WriteLine("| K × N | float32 MatMul (ms) | GFLOP/s | int8 MatMulIntegerToFloat (ms) | GOP/s | int8 / float32 speed |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (k, n) in new[] { (384, 384), (384, 1536), (1536, 384) })
        {
            var random = new Random(1);
            var w = Enumerable.Range(0, k * n).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            var wq = Enumerable.Range(0, k * n).Select(_ => (byte)(sbyte)random.Next(-127, 128)).ToArray();
            var a = Enumerable.Range(0, m * k).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
            var aq = Enumerable.Range(0, m * k).Select(_ => (byte)random.Next(0, 256)).ToArray();
            using var av = OrtValue.CreateTensorValueFromMemory(a, [m, k]);
            using var aqv = OrtValue.CreateTensorValueFromMemory(aq, [m, k]);
            var f = Time(Model(m, k, n, float32: true, MemoryMarshal.AsBytes(w.AsSpan()).ToArray()), av);
            var q = Time(Model(m, k, n, float32: false, wq), aqv);
            var ops = 2.0 * m * k * n;
            Console.WriteLine($"| {k} × {n} | {f:F3} | {ops / f / 1e6:F0} | {q:F3} | {ops / q / 1e6:F0} | {f / q:F2}× |");
        }

        return 0;
    }

    private static double Time(byte[] model, OrtValue input)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(model, options);
        using var run = new RunOptions();
        for (var i = 0; i < 5; i++)
        {
            using var _ = session.Run(run, ["A"], [input], ["Y"]);
        }

        var best = double.MaxValue;
        for (var r = 0; r < 5; r++)
        {
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < 20; i++)
            {
                using var _ = session.Run(run, ["A"], [input], ["Y"]);
            }

            best = Math.Min(best, sw.Elapsed.TotalMilliseconds / 20);
        }

        return best;
    }

    private static byte[] Model(int m, int k, int n, bool float32, byte[] weight)
    {
        var graph = new GraphProto { Name = "gemm" };
        graph.Initializer.Add(Tensor("W", float32 ? TensorDataType.Float : TensorDataType.Int8, weight, k, n));
        var node = new NodeProto { OpType = float32 ? "MatMul" : "MatMulIntegerToFloat", Domain = float32 ? "" : "com.microsoft" };
        node.Input.AddRange(["A", "W"]);
        if (!float32)
        {
            graph.Initializer.Add(Tensor("a_scale", TensorDataType.Float, BitConverter.GetBytes(0.01f)));
            graph.Initializer.Add(Tensor("b_scale", TensorDataType.Float, MemoryMarshal.AsBytes(Enumerable.Repeat(0.01f, n).ToArray().AsSpan()).ToArray(), n));
            graph.Initializer.Add(Tensor("a_zp", TensorDataType.Uint8, [128]));
            node.Input.AddRange(["a_scale", "b_scale", "a_zp"]);
        }

        node.Output.Add("Y");
        graph.Node.Add(node);
        graph.Input.Add(Value("A", float32 ? TensorDataType.Float : TensorDataType.Uint8, m, k));
        graph.Output.Add(Value("Y", TensorDataType.Float, m, n));
        var model = new ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Version = 17 });
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "com.microsoft", Version = 1 });
        return model.ToByteArray();
    }

    private static TensorProto Tensor(string name, TensorDataType type, byte[] raw, params long[] dims) => TensorProto.Create(name, type, raw, dims);

    private static ValueInfoProto Value(string name, TensorDataType type, params long[] dims) =>
        ValueInfoProto.Tensor(name, type, [.. dims.Cast<object>()]);
}
