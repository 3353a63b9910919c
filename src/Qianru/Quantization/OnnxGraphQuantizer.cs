using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Qianru.Onnx;

namespace Qianru.Quantization;

/// <summary>
/// Rewrites an ONNX graph: every MatMul whose B input is a constant 2-D float initializer becomes either a per-row int8
/// <c>MatMulInteger</c> subgraph (<see cref="RowInt8GraphQuantizer"/>) or a <c>com.microsoft.MatMulNBits</c> node with
/// block-quantized weights, where a following <c>Add</c> of a constant [N] bias is folded into the node's bias input.
/// Everything else (embeddings, LayerNorm, attention score MatMuls) stays as it was.
/// </summary>
internal static class OnnxGraphQuantizer
{
    private const string MicrosoftDomain = "com.microsoft";

    public static byte[] Quantize(byte[] onnx, QuantizationOptions options, string source, IReadOnlyList<long[]>? calibration, out QuantizationResult result, CancellationToken cancellationToken = default)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parse(onnx);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"{source}: not an ONNX model ({ex.Message}).", ex);
        }

        var graph = model.Graph ?? throw new InvalidDataException($"{source}: the ONNX model has no graph.");
        if (options.Method == QuantizationMethod.RowInt8)
        {
            return QuantizeRows(onnx, model, graph, options, source, calibration, out result, cancellationToken);
        }

        if (model.OpsetImport.Any(o => o.Domain == MicrosoftDomain) is false)
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
        }

        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var consumers = Consumers(graph);
        var exclude = options.Exclude.Select(Glob).ToList();
        var quantized = new List<string>();
        var skipped = new List<string>();
        var removed = new HashSet<NodeProto>();
        var fused = 0;
        for (var index = 0; index < graph.Node.Count; index++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var node = graph.Node[index];
            if (node.OpType != "MatMul" || node.Domain is not ("" or "ai.onnx") || node.Input.Count != 2
                || !initializers.TryGetValue(node.Input[1], out var weight))
            {
                continue;
            }

            var output = node.Output[0];
            var (add, bias) = BiasAdd(graph, node, consumers, initializers);
            var label = Label(node, weight, bias);

            if (weight.DataType != TensorDataType.Float || weight.Dims.Count != 2)
            {
                skipped.Add($"{label}: weight {weight.Name} is not a 2-D float32 tensor");
                continue;
            }

            if (IsExcluded(exclude, node, weight, label))
            {
                skipped.Add($"{label}: excluded");
                continue;
            }

            var k = checked((int)weight.Dims[0]);
            var n = checked((int)weight.Dims[1]);
            if (k < 16)
            {
                skipped.Add($"{label}: K = {k} is below 16");
                continue;
            }

            var values = FloatValues(weight, source);
            var (packed, scales) = BlockQuantizer.Quantize(values, k, n, options.Bits, options.BlockSize, options.PerChannel);
            var blocks = (k + options.BlockSize - 1) / options.BlockSize;
            var prefix = weight.Name + (options.Bits == 8 ? "_int8" : "_int4");
            var packedTensor = OnnxProto.AddInitializer(graph, prefix, TensorDataType.Uint8, packed, n, blocks, options.BlockSize * options.Bits / 8);
            var scaleTensor = OnnxProto.AddInitializer(graph, prefix + "_scales", TensorDataType.Float, MemoryMarshal.AsBytes(scales.AsSpan()).ToArray(), n * blocks);

            var useBias = add is not null && bias is not null && bias.DataType == TensorDataType.Float
                && bias.Dims.Count == 1 && bias.Dims[0] == n;
            var replacement = new NodeProto
            {
                Name = (node.Name is { Length: > 0 } ? node.Name : weight.Name) + "_MatMulNBits",
                OpType = "MatMulNBits",
                Domain = MicrosoftDomain,
            };
            replacement.Input.AddRange([node.Input[0], packedTensor.Name, scaleTensor.Name]);
            if (useBias)
            {
                replacement.Input.AddRange(["", "", bias!.Name]);
                replacement.Output.Add(add!.Output[0]);
                removed.Add(add);
                fused++;
            }
            else
            {
                replacement.Output.Add(output);
            }

            replacement.Attribute.AddRange([
                OnnxProto.Int("K", k), OnnxProto.Int("N", n), OnnxProto.Int("bits", options.Bits),
                OnnxProto.Int("block_size", options.BlockSize), OnnxProto.Int("accuracy_level", options.AccuracyLevel)]);
            graph.Node[index] = replacement;
            quantized.Add(label);
        }

        foreach (var node in removed)
        {
            graph.Node.Remove(node);
        }

        OnnxProto.DropUnusedInitializers(graph);
        var bytes = model.ToByteArray();
        result = new QuantizationResult
        {
            Quantized = quantized,
            Skipped = skipped,
            FusedBiases = fused,
            WeightBits = options.Bits,
            SourceBytes = onnx.LongLength,
            QuantizedBytes = bytes.LongLength,
        };
        return bytes;
    }

    private static byte[] QuantizeRows(byte[] onnx, ModelProto model, GraphProto graph, QuantizationOptions options, string source, IReadOnlyList<long[]>? calibration, out QuantizationResult result, CancellationToken cancellationToken)
    {
        if (options.Bits != 8)
        {
            throw new ArgumentException($"{options.Bits}-bit weights need QuantizationMethod.Block; the per-row method is int8 only", nameof(options));
        }

        foreach (var weight in graph.Initializer.Where(t => t.IsExternal))
        {
            throw new NotSupportedException($"{source}: initializer {weight.Name} keeps its data in an external file; Qianru quantizes ONNX models with their weights inside model.onnx.");
        }

        // Exclusions are kept by node name, so every node needs one first.
        var unnamed = 0;
        foreach (var node in graph.Node.Where(n => string.IsNullOrEmpty(n.Name)))
        {
            node.Name = $"qianru_node_{unnamed++}";
        }

        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var consumers = Consumers(graph);
        var exclude = options.Exclude.Select(Glob).ToList();
        var labels = new Dictionary<NodeProto, string>();
        var excluded = new HashSet<string>();
        var skipped = new List<string>();
        var inputs = new HashSet<string>();
        foreach (var (node, input, weight) in RowInt8GraphQuantizer.Targets(graph))
        {
            var label = labels[node] = Label(node, weight, BiasAdd(graph, node, consumers, initializers).Bias);
            if (IsExcluded(exclude, node, weight, label))
            {
                excluded.Add(node.Name);
                skipped.Add($"{label}: excluded");
            }
            else
            {
                inputs.Add(input);
            }
        }

        Dictionary<string, float[]>? channelMax = null;
        if (options.SmoothingAlpha > 0 && calibration is { Count: > 0 } && inputs.Count > 0)
        {
            try
            {
                channelMax = ActivationCalibrator.ChannelMax(onnx, inputs, calibration, cancellationToken);
            }
            catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new QianruException($"{source}: the calibration run for smoothing failed ({e.Message.ReplaceLineEndings(" ")}); quantize with SmoothingAlpha 0 (--alpha 0) to skip it");
            }
        }

        var reduceRange = Int8Hardware.ReduceRange(options);
        cancellationToken.ThrowIfCancellationRequested();
        var quantizedNodes = RowInt8GraphQuantizer.Quantize(model, channelMax, options.SmoothingAlpha, excluded, reduceRange);
        cancellationToken.ThrowIfCancellationRequested();
        var bytes = model.ToByteArray();
        result = new QuantizationResult
        {
            Quantized = [.. quantizedNodes.Select(n => labels[n])],
            WeightBits = reduceRange ? 7 : 8,
            Skipped = skipped,
            FusedBiases = 0,
            Smoothing = channelMax is null
                ? options.SmoothingAlpha > 0 ? "none: no calibration text was given" : "none: alpha 0"
                : $"SmoothQuant alpha {options.SmoothingAlpha.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)}, {calibration!.Count} calibration sequences",
            SourceBytes = onnx.LongLength,
            QuantizedBytes = bytes.LongLength,
        };
        return bytes;
    }

    private static float[] FloatValues(TensorProto tensor, string source)
    {
        if (tensor.IsExternal)
        {
            throw new NotSupportedException($"{source}: initializer {tensor.Name} keeps its data in an external file; Qianru quantizes ONNX models with their weights inside model.onnx.");
        }

        var count = checked((int)tensor.Dims.Aggregate(1L, (a, d) => a * d));
        if (tensor.RawData.Length > 0)
        {
            if (tensor.RawData.Length != count * sizeof(float))
            {
                throw new InvalidDataException($"{source}: initializer {tensor.Name} has {tensor.RawData.Length} bytes of raw data; its shape needs {count * sizeof(float)}.");
            }

            return MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
        }

        return tensor.FloatData.Count == count
            ? [.. tensor.FloatData]
            : throw new InvalidDataException($"{source}: initializer {tensor.Name} has {tensor.FloatData.Count} values; its shape needs {count}.");
    }

    /// <summary>The nodes reading each tensor.</summary>
    private static Dictionary<string, List<NodeProto>> Consumers(GraphProto graph)
    {
        var consumers = new Dictionary<string, List<NodeProto>>();
        foreach (var node in graph.Node)
        {
            foreach (var input in node.Input)
            {
                if (!consumers.TryGetValue(input, out var list))
                {
                    consumers[input] = list = [];
                }

                list.Add(node);
            }
        }

        return consumers;
    }

    /// <summary>The <c>Add</c> of a constant bias that is the only reader of a MatMul's output (not a graph output), and that bias.</summary>
    private static (NodeProto? Add, TensorProto? Bias) BiasAdd(GraphProto graph, NodeProto matMul, Dictionary<string, List<NodeProto>> consumers, Dictionary<string, TensorProto> initializers)
    {
        var output = matMul.Output[0];
        if (!consumers.TryGetValue(output, out var users) || users.Count != 1 || users[0].OpType != "Add" || graph.Output.Any(o => o.Name == output))
        {
            return (null, null);
        }

        var biasName = users[0].Input.FirstOrDefault(i => i != output);
        return (users[0], biasName is not null && initializers.TryGetValue(biasName, out var bias) ? bias : null);
    }

    /// <summary>A MatMul's name in results and <see cref="QuantizationOptions.Exclude"/>: its layer (the bias name without ".bias"), else the node name, else the weight name.</summary>
    private static string Label(NodeProto matMul, TensorProto weight, TensorProto? bias) =>
        bias is not null && bias.Name.EndsWith(".bias", StringComparison.Ordinal) ? bias.Name[..^5]
        : matMul.Name is { Length: > 0 } name ? name : weight.Name;

    private static bool IsExcluded(List<Regex> exclude, NodeProto matMul, TensorProto weight, string label) =>
        exclude.Any(r => r.IsMatch(matMul.Name) || r.IsMatch(weight.Name) || r.IsMatch(label));

    private static Regex Glob(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
}
