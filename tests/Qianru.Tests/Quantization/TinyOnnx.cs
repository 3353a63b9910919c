using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Qianru.Onnx;

namespace Qianru.Tests.Quantization;

/// <summary>A one-layer ONNX graph y = x·W + b built in memory, and a runner for it.</summary>
internal static class TinyOnnx
{
    public static byte[] Linear(float[] weight, float[] bias, int k, int n)
    {
        var graph = new GraphProto { Name = "linear" };
        graph.Input.Add(ValueInfoProto.Tensor("x", TensorDataType.Float, "batch", k));
        graph.Output.Add(ValueInfoProto.Tensor("y", TensorDataType.Float, "batch", n));
        graph.Initializer.Add(Tensor("layer.dense.weight", weight, k, n));
        graph.Initializer.Add(Tensor("layer.dense.bias", bias, n));
        graph.Node.Add(Node("MatMul", "MatMul_0", ["x", "layer.dense.weight"], "mm"));
        graph.Node.Add(Node("Add", "Add_1", ["mm", "layer.dense.bias"], "y"));
        var model = new ModelProto { IrVersion = 8, ProducerName = "qianru-tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return model.ToByteArray();
    }

    public static float[] Run(byte[] onnx, float[] x, int rows, int k)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(onnx, options);
        using var input = OrtValue.CreateTensorValueFromMemory(x, [rows, k]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, ["x"], [input], ["y"]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public static float[] Random(Random random, int count, float scale) =>
        [.. Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1) * scale)];

    private static TensorProto Tensor(string name, float[] values, params long[] dims) =>
        TensorProto.Create(name, TensorDataType.Float, MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), dims);

    private static NodeProto Node(string op, string name, string[] inputs, string output)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        return node;
    }
}
