using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Onnx;

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

    public static byte[] Quantize(byte[] onnx, QuantizationOptions options, string source, IReadOnlyList<long[]>? calibration, out QuantizationResult result)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(onnx);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new InvalidDataException($"{source}: not an ONNX model ({ex.Message}).", ex);
        }

        var graph = model.Graph ?? throw new InvalidDataException($"{source}: the ONNX model has no graph.");
        if (options.Method == QuantizationMethod.RowInt8)
        {
            return QuantizeRows(onnx, model, options, source, calibration, out result);
        }

        if (model.OpsetImport.Any(o => o.Domain == MicrosoftDomain) is false)
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
        }

        var initializers = graph.Initializer.ToDictionary(t => t.Name);
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

        var graphOutputs = graph.Output.Select(o => o.Name).ToHashSet();
        var exclude = options.Exclude.Select(Glob).ToList();
        var quantized = new List<string>();
        var skipped = new List<string>();
        var removed = new HashSet<NodeProto>();
        var fused = 0;
        for (var index = 0; index < graph.Node.Count; index++)
        {
            var node = graph.Node[index];
            if (node.OpType != "MatMul" || node.Domain is not ("" or "ai.onnx") || node.Input.Count != 2
                || !initializers.TryGetValue(node.Input[1], out var weight))
            {
                continue;
            }

            var output = node.Output[0];
            var add = consumers.TryGetValue(output, out var users) && users.Count == 1 && users[0].OpType == "Add" && !graphOutputs.Contains(output)
                ? users[0]
                : null;
            var biasName = add?.Input.FirstOrDefault(i => i != output);
            var bias = biasName is not null && initializers.TryGetValue(biasName, out var b) ? b : null;
            var label = bias is not null && bias.Name.EndsWith(".bias", StringComparison.Ordinal) ? bias.Name[..^5] : node.Name is { Length: > 0 } name ? name : weight.Name;

            if (weight.DataType != (int)TensorProto.Types.DataType.Float || weight.Dims.Count != 2)
            {
                skipped.Add($"{label}: weight {weight.Name} is not a 2-D float32 tensor");
                continue;
            }

            if (exclude.Any(r => r.IsMatch(node.Name) || r.IsMatch(weight.Name) || r.IsMatch(label)))
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
            var packedTensor = new TensorProto { Name = prefix, DataType = (int)TensorProto.Types.DataType.Uint8, RawData = ByteString.CopyFrom(packed) };
            packedTensor.Dims.Add([n, blocks, options.BlockSize * options.Bits / 8]);
            var scaleTensor = new TensorProto { Name = prefix + "_scales", DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(scales.AsSpan())) };
            scaleTensor.Dims.Add(n * blocks);
            graph.Initializer.Add(packedTensor);
            graph.Initializer.Add(scaleTensor);

            var useBias = add is not null && bias is not null && bias.DataType == (int)TensorProto.Types.DataType.Float
                && bias.Dims.Count == 1 && bias.Dims[0] == n;
            var replacement = new NodeProto
            {
                Name = (node.Name is { Length: > 0 } ? node.Name : weight.Name) + "_MatMulNBits",
                OpType = "MatMulNBits",
                Domain = MicrosoftDomain,
            };
            replacement.Input.Add([node.Input[0], packedTensor.Name, scaleTensor.Name]);
            if (useBias)
            {
                replacement.Input.Add(["", "", bias!.Name]);
                replacement.Output.Add(add!.Output[0]);
                removed.Add(add);
                fused++;
            }
            else
            {
                replacement.Output.Add(output);
            }

            replacement.Attribute.Add(IntAttribute("K", k));
            replacement.Attribute.Add(IntAttribute("N", n));
            replacement.Attribute.Add(IntAttribute("bits", options.Bits));
            replacement.Attribute.Add(IntAttribute("block_size", options.BlockSize));
            replacement.Attribute.Add(IntAttribute("accuracy_level", options.AccuracyLevel));
            graph.Node[index] = replacement;
            quantized.Add(label);
        }

        foreach (var node in removed)
        {
            graph.Node.Remove(node);
        }

        // Drop float weights nothing reads any more.
        var used = graph.Node.SelectMany(n => n.Input).Concat(graphOutputs).ToHashSet();
        foreach (var unused in graph.Initializer.Where(t => !used.Contains(t.Name)).ToList())
        {
            graph.Initializer.Remove(unused);
        }

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

    private static byte[] QuantizeRows(byte[] onnx, ModelProto model, QuantizationOptions options, string source, IReadOnlyList<long[]>? calibration, out QuantizationResult result)
    {
        if (options.Bits != 8)
        {
            throw new ArgumentException($"{options.Bits}-bit weights need QuantizationMethod.Block; the per-row method is int8 only", nameof(options));
        }

        var graph = model.Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        foreach (var weight in graph.Initializer.Where(t => t.DataLocation == TensorProto.Types.DataLocation.External))
        {
            throw new NotSupportedException($"{source}: initializer {weight.Name} keeps its data in an external file; Qianru quantizes ONNX models with their weights inside model.onnx.");
        }

        var exclude = options.Exclude.Select(Glob).ToList();
        var labels = new Dictionary<NodeProto, string>();
        var excluded = new HashSet<string>();
        var skipped = new List<string>();
        foreach (var (node, _, weight) in RowInt8GraphQuantizer.Targets(graph))
        {
            var add = graph.Node.FirstOrDefault(n => n.OpType == "Add" && n.Input.Contains(node.Output[0]));
            var biasName = add?.Input.FirstOrDefault(i => i != node.Output[0]);
            var label = biasName is not null && initializers.ContainsKey(biasName) && biasName.EndsWith(".bias", StringComparison.Ordinal)
                ? biasName[..^5]
                : node.Name is { Length: > 0 } name ? name : weight.Name;
            labels[node] = label;
            if (exclude.Any(r => r.IsMatch(node.Name) || r.IsMatch(weight.Name) || r.IsMatch(label)))
            {
                excluded.Add(node.Name);
                skipped.Add($"{label}: excluded");
            }
        }

        var targets = RowInt8GraphQuantizer.Targets(graph, excluded);
        if (targets.Any(t => string.IsNullOrEmpty(t.Node.Name)))
        {
            var index = 0;
            foreach (var node in graph.Node.Where(n => string.IsNullOrEmpty(n.Name)))
            {
                node.Name = $"qianru_node_{index++}";
            }
        }

        Dictionary<string, float[]>? channelMax = null;
        if (options.SmoothingAlpha > 0 && calibration is { Count: > 0 } && targets.Count > 0)
        {
            try
            {
                channelMax = ActivationCalibrator.ChannelMax(onnx, [.. targets.Select(t => t.Input).Distinct()], calibration);
            }
            catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException e)
            {
                throw new QianruException($"{source}: the calibration run for smoothing failed ({e.Message.ReplaceLineEndings(" ")}); quantize with SmoothingAlpha 0 (--alpha 0) to skip it");
            }
        }

        var reduceRange = Int8Hardware.ReduceRange(options);
        var quantizedNodes = RowInt8GraphQuantizer.Quantize(model, channelMax, options.SmoothingAlpha, excluded, reduceRange);
        var bytes = model.ToByteArray();
        result = new QuantizationResult
        {
            Quantized = [.. quantizedNodes.Select(n => labels.TryGetValue(n, out var l) ? l : n.Name)],
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
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
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

    private static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static Regex Glob(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
}
