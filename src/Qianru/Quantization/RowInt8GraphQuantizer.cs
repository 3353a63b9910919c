using System.Runtime.InteropServices;
using Qianru.Onnx;

namespace Qianru.Quantization;

/// <summary>
/// Rewrites every MatMul with a constant 2-D float weight as an int8 GEMM with one activation scale per row (token):
/// <c>x / smooth → per-row absmax scale → QuantizeLinear (uint8, zero point 128) → MatMulIntegerToFloat (int8 weights,
/// one scale per output column) → × row scale</c>. MatMuls that read the same tensor (a layer's Q, K
/// and V) share one quantized copy of it. No scale is shared between rows, so a text's vector never depends on its
/// batch. The optional per-input-channel smoothing factors (SmoothQuant) move activation outliers into the weights.
/// </summary>
internal static class RowInt8GraphQuantizer
{

    /// <summary>The MatMuls this rewrite applies to: (node, input tensor, weight initializer).</summary>
    public static List<(NodeProto Node, string Input, TensorProto Weight)> Targets(GraphProto graph, IReadOnlyCollection<string>? excluded = null)
    {
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var result = new List<(NodeProto, string, TensorProto)>();
        foreach (var node in graph.Node)
        {
            if (node.OpType == "MatMul" && node.Domain is "" or "ai.onnx" && node.Input.Count == 2
                && initializers.TryGetValue(node.Input[1], out var weight) && weight.Dims.Count == 2
                && weight.DataType == TensorDataType.Float && weight.Dims[0] >= 16
                && !initializers.ContainsKey(node.Input[0]) && (excluded is null || !excluded.Contains(node.Name)))
            {
                result.Add((node, node.Input[0], weight));
            }
        }

        return result;
    }

    /// <summary>Quantizes <paramref name="model"/> in place.</summary>
    /// <param name="model">The float model.</param>
    /// <param name="channelMax">Per input tensor, the largest |activation| of each channel seen on calibration text; null: no smoothing.</param>
    /// <param name="alpha">SmoothQuant's migration strength (0: none, 1: all of the range moves into the weights).</param>
    /// <param name="excluded">Names of MatMul nodes to keep in float32.</param>
    /// <param name="reduceRange">7-bit weights (−63..63) instead of 8-bit, so products cannot saturate on CPUs without VNNI.</param>
    /// <returns>The quantized MatMul nodes.</returns>
    public static List<NodeProto> Quantize(ModelProto model, IReadOnlyDictionary<string, float[]>? channelMax, float alpha, IReadOnlyCollection<string>? excluded = null, bool reduceRange = false)
    {
        var weightMax = reduceRange ? 63 : 127;
        var graph = model.Graph ?? throw new InvalidDataException("the ONNX model has no graph.");
        var opset = model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max();
        if (opset < 10)
        {
            throw new NotSupportedException($"per-row int8 quantization needs ONNX opset 10 or later; the model has opset {opset}");
        }

        // Per-axis QuantizeLinear is in the default domain from opset 13; ONNX Runtime's com.microsoft one has it for any opset.
        if (!model.OpsetImport.Any(o => o.Domain == "com.microsoft"))
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = "com.microsoft", Version = 1 });
        }

        var targets = Targets(graph, excluded);
        var byInput = targets.GroupBy(t => t.Input).ToDictionary(g => g.Key, g => g.ToList());
        var replacements = new Dictionary<NodeProto, List<NodeProto>>();
        var quantized = new List<NodeProto>();
        Constant(graph, "qr_inv127", TensorDataType.Float, BitConverter.GetBytes(1f / 127));
        Constant(graph, "qr_tiny", TensorDataType.Float, BitConverter.GetBytes(1e-30f));
        Constant(graph, "qr_zero", TensorDataType.Float, BitConverter.GetBytes(0f));
        Constant(graph, "qr_128", TensorDataType.Float, BitConverter.GetBytes(128f));
        Constant(graph, "qr_zp", TensorDataType.Uint8, [128]);
        Constant(graph, "qr_one", TensorDataType.Float, BitConverter.GetBytes(1f));
        Constant(graph, "qr_minus1", TensorDataType.Int64, BitConverter.GetBytes(-1L), 1);
        var group = 0;
        foreach (var (input, consumers) in byInput)
        {
            var p = $"qr{group++}_";
            var k = (int)consumers[0].Weight.Dims[0]; // the last dimension of the shared input

            // Smoothing: s_k = max|x_k|^alpha / max|w_k|^(1 - alpha), over all weights reading this input.
            float[]? smooth = null;
            if (channelMax is not null && channelMax.TryGetValue(input, out var xMax) && alpha > 0)
            {
                var wMax = new float[k];
                foreach (var c in consumers)
                {
                    var w = MemoryMarshal.Cast<byte, float>(c.Weight.RawData.Span);
                    var n = (int)c.Weight.Dims[1];
                    for (var i = 0; i < k; i++)
                    {
                        for (var j = 0; j < n; j++)
                        {
                            wMax[i] = MathF.Max(wMax[i], MathF.Abs(w[(i * n) + j]));
                        }
                    }
                }

                smooth = new float[k];
                for (var i = 0; i < k; i++)
                {
                    var s = MathF.Pow(MathF.Max(xMax[i], 1e-5f), alpha) / MathF.Pow(MathF.Max(wMax[i], 1e-5f), 1 - alpha);
                    smooth[i] = float.IsFinite(s) && s > 0 ? s : 1;
                }
            }

            var first = consumers[0].Node;
            var nodes = replacements[first] = [];
            var source = input;
            if (smooth is not null)
            {
                Constant(graph, p + "inv_smooth", TensorDataType.Float, MemoryMarshal.AsBytes(smooth.Select(s => 1 / s).ToArray().AsSpan()).ToArray(), k);
                nodes.Add(Node("Mul", [input, p + "inv_smooth"], p + "smoothed"));
                source = p + "smoothed";
            }

            // The per-row scale on the input's own shape [.., K] → [.., 1]; then [M, K] for per-axis QuantizeLinear
            // (uint8, zero point 128 in every row) and back, so MatMulIntegerToFloat keeps the input's shape.
            nodes.Add(Reduce("ReduceMax", source, p + "max", opset));
            nodes.Add(Reduce("ReduceMin", source, p + "min", opset));
            nodes.Add(Node("Neg", [p + "min"], p + "negmin"));
            nodes.Add(Node("Max", [p + "max", p + "negmin"], p + "absmax"));
            nodes.Add(Node("Mul", [p + "absmax", "qr_inv127"], p + "scale0"));
            nodes.Add(Node("Max", [p + "scale0", "qr_tiny"], p + "scale"));
            Constant(graph, p + "rows_shape", TensorDataType.Int64, MemoryMarshal.AsBytes(new long[] { -1, k }.AsSpan()).ToArray(), 2);
            nodes.Add(Node("Reshape", [source, p + "rows_shape"], p + "x2"));
            nodes.Add(Node("Reshape", [p + "scale", "qr_minus1"], p + "scale1"));
            nodes.Add(Node("Mul", [p + "scale1", "qr_zero"], p + "zp0"));
            nodes.Add(Node("Add", [p + "zp0", "qr_128"], p + "zp1"));
            nodes.Add(Node("Cast", [p + "zp1"], p + "zp", Int("to", (long)TensorDataType.Uint8)));
            var quantize = Node("QuantizeLinear", [p + "x2", p + "scale1", p + "zp"], p + "q2", Int("axis", 0));
            quantize.Domain = "com.microsoft";
            nodes.Add(quantize);
            nodes.Add(Node("Shape", [input], p + "shape"));
            nodes.Add(Node("Reshape", [p + "q2", p + "shape"], p + "q"));

            foreach (var (node, _, weight) in consumers)
            {
                var n = (int)weight.Dims[1];
                var w = MemoryMarshal.Cast<byte, float>(weight.RawData.Span);
                var q = new byte[k * n];
                var columnScale = new float[n];
                for (var j = 0; j < n; j++)
                {
                    var max = 0f;
                    for (var i = 0; i < k; i++)
                    {
                        max = MathF.Max(max, MathF.Abs(w[(i * n) + j] * (smooth?[i] ?? 1)));
                    }

                    columnScale[j] = max > 0 ? max / weightMax : 1;
                    for (var i = 0; i < k; i++)
                    {
                        q[(i * n) + j] = (byte)(sbyte)Math.Clamp((int)MathF.Round(w[(i * n) + j] * (smooth?[i] ?? 1) / columnScale[j]), -weightMax, weightMax);
                    }
                }

                // int8 GEMM with the column scales applied to the float result, then the row scales.
                var wName = weight.Name + "_rowint8";
                Constant(graph, wName, TensorDataType.Int8, q, k, n);
                Constant(graph, wName + "_scale", TensorDataType.Float, MemoryMarshal.AsBytes(columnScale.AsSpan()).ToArray(), n);
                var o = p + wName + "_";
                var product = Node("MatMulIntegerToFloat", [p + "q", wName, "qr_one", wName + "_scale", "qr_zp"], o + "columns");
                product.Domain = "com.microsoft";
                var list = replacements.TryGetValue(node, out var existing) ? existing : replacements[node] = [];
                list.AddRange([product, Node("Mul", [o + "columns", p + "scale"], node.Output[0])]);
                quantized.Add(node);
            }
        }

        var rewritten = new List<NodeProto>();
        foreach (var node in graph.Node)
        {
            if (replacements.TryGetValue(node, out var nodes))
            {
                rewritten.AddRange(nodes);
            }
            else
            {
                rewritten.Add(node);
            }
        }

        graph.Node.Clear();
        graph.Node.AddRange(rewritten);
        OnnxProto.DropUnusedInitializers(graph);

        return quantized;
    }

    private static NodeProto Reduce(string op, string input, string output, long opset)
    {
        if (opset >= 18)
        {
            return Node(op, [input, "qr_minus1"], output, Int("keepdims", 1));
        }

        var node = Node(op, [input], output, Int("keepdims", 1));
        node.Attribute.Add(AttributeProto.IntList("axes", -1));
        return node;
    }

    private static void Constant(GraphProto graph, string name, TensorDataType type, byte[] raw, params long[] dims) =>
        OnnxProto.AddInitializer(graph, name, type, raw, dims);

    private static NodeProto Node(string op, string[] inputs, string output, params AttributeProto[] attributes) =>
        OnnxProto.Node(op, inputs, output, attributes);

    private static AttributeProto Int(string name, long value) => OnnxProto.Int(name, value);
}
