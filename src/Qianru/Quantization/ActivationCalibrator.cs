using Microsoft.ML.OnnxRuntime;
using Qianru.Onnx;

namespace Qianru.Quantization;

/// <summary>
/// Runs a float model on calibration token sequences and records, for chosen intermediate tensors, the largest
/// |value| of each channel (last axis): the activation ranges SmoothQuant balances against the weights.
/// </summary>
internal static class ActivationCalibrator
{
    /// <summary>Runs the sequences one by one; cancellation stops the run in progress (ONNX Runtime's terminate flag) and throws.</summary>
    public static Dictionary<string, float[]> ChannelMax(byte[] onnx, IReadOnlyCollection<string> tensors, IReadOnlyList<long[]> sequences, CancellationToken cancellationToken = default)
    {
        var model = ModelProto.Parse(onnx);
        var graph = model.Graph ?? throw new InvalidDataException("the ONNX model has no graph.");
        var outputs = graph.Output.Select(o => o.Name).ToHashSet();
        foreach (var name in tensors.Where(t => !outputs.Contains(t)))
        {
            graph.Output.Add(ValueInfoProto.Tensor(name, TensorDataType.Float));
        }

        Inference.OnnxRuntimeEnvironment.EnsureInitialized();
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new InferenceSession(model.ToByteArray(), options);
        var inputNames = session.InputMetadata.Keys.ToList();
        var names = tensors.ToList();
        var result = new Dictionary<string, float[]>();
        using var run = new RunOptions();
        using var stop = cancellationToken.Register(() => run.Terminate = true);
        foreach (var ids in sequences)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var shape = new long[] { 1, ids.Length };
            var values = new List<OrtValue>();
            try
            {
                foreach (var input in inputNames)
                {
                    var data = input switch
                    {
                        "input_ids" => ids,
                        "attention_mask" => Enumerable.Repeat(1L, ids.Length).ToArray(),
                        _ => new long[ids.Length],
                    };
                    values.Add(OrtValue.CreateTensorValueFromMemory(data, shape));
                }

                using var produced = RunOrCancel(session, run, inputNames, values, names, cancellationToken);
                for (var t = 0; t < names.Count; t++)
                {
                    var span = produced[t].GetTensorDataAsSpan<float>();
                    var channels = (int)produced[t].GetTensorTypeAndShape().Shape[^1];
                    if (!result.TryGetValue(names[t], out var max))
                    {
                        result[names[t]] = max = new float[channels];
                    }

                    for (var i = 0; i < span.Length; i++)
                    {
                        var c = i % channels;
                        max[c] = MathF.Max(max[c], MathF.Abs(span[i]));
                    }
                }
            }
            finally
            {
                foreach (var v in values)
                {
                    v.Dispose();
                }
            }
        }

        return result;
    }

    private static IDisposableReadOnlyCollection<OrtValue> RunOrCancel(InferenceSession session, RunOptions run, List<string> inputs, List<OrtValue> values, List<string> outputs, CancellationToken cancellationToken)
    {
        try
        {
            return session.Run(run, inputs, values, outputs);
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }
}
