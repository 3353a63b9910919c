using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Qianru.Models;

namespace Qianru.Inference;

/// <summary>
/// One ONNX Runtime session for a BERT-style encoder: runs padded batches of token ids and pools the token
/// embeddings. <see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string})"/>
/// is thread-safe, so one encoder serves concurrent callers.
/// </summary>
internal sealed class OnnxEncoder : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string[] _inputNames;
    private readonly bool _hasTokenTypes;
    private readonly string _outputName;
    private readonly bool _outputIsPooled;
    private readonly long _paddingId;

    private OnnxEncoder(InferenceSession session, string source, long paddingId)
    {
        _session = session;
        _paddingId = paddingId;
        var inputs = session.InputMetadata;
        foreach (var required in new[] { "input_ids", "attention_mask" })
        {
            if (!inputs.ContainsKey(required))
            {
                throw new NotSupportedException($"{source}: the ONNX model has no input '{required}' (inputs: {string.Join(", ", inputs.Keys)}); Qianru runs encoders with input_ids, attention_mask and optional token_type_ids.");
            }
        }

        var unknown = inputs.Keys.Except(["input_ids", "attention_mask", "token_type_ids"]).ToList();
        if (unknown.Count > 0)
        {
            throw new NotSupportedException($"{source}: the ONNX model has inputs Qianru does not know: {string.Join(", ", unknown)}; supported: input_ids, attention_mask, token_type_ids.");
        }

        _hasTokenTypes = inputs.ContainsKey("token_type_ids");
        _inputNames = _hasTokenTypes ? ["input_ids", "attention_mask", "token_type_ids"] : ["input_ids", "attention_mask"];

        var outputs = session.OutputMetadata;
        var tokenOutput = new[] { "last_hidden_state", "token_embeddings" }.FirstOrDefault(outputs.ContainsKey)
            ?? outputs.FirstOrDefault(o => o.Value.Dimensions.Length == 3).Key;
        if (tokenOutput is not null)
        {
            _outputName = tokenOutput;
            _outputIsPooled = false;
        }
        else if (outputs.ContainsKey("sentence_embedding"))
        {
            _outputName = "sentence_embedding";
            _outputIsPooled = true;
        }
        else
        {
            throw new NotSupportedException($"{source}: the ONNX model has no token-embedding output (last_hidden_state or token_embeddings) and no sentence_embedding; outputs: {string.Join(", ", outputs.Keys)}.");
        }

        var dims = outputs[_outputName].Dimensions;
        Dimensions = dims[^1];
    }

    /// <summary>The width of the model's output vectors, or -1 when the graph does not say.</summary>
    public int Dimensions { get; }

    public static OnnxEncoder Create(ModelDefinition model, int threads)
    {
        OnnxRuntimeEnvironment.EnsureInitialized();
        var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "1");
        var source = model.OnnxPath ?? model.Info.Source;
        InferenceSession session;
        try
        {
            session = model.OnnxPath is { } path ? new InferenceSession(path, options) : new InferenceSession(model.OnnxBytes!(), options);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InvalidDataException($"{source}: ONNX Runtime cannot load the model ({ex.Message.ReplaceLineEndings(" ")}).", ex);
        }
        finally
        {
            options.Dispose();
        }

        try
        {
            return new OnnxEncoder(session, source, model.Tokenizer.PaddingId);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs one batch and writes a pooled vector per sequence into <paramref name="output"/> ([batch, Dimensions]).
    /// </summary>
    public void Encode(IReadOnlyList<long[]> batch, PoolingMode pooling, int skipFirst, Span<float> output)
    {
        var rows = batch.Count;
        var width = 0;
        foreach (var ids in batch)
        {
            width = Math.Max(width, ids.Length);
        }

        var size = rows * width;
        var inputIds = new long[size];
        var mask = new long[size];
        Array.Fill(inputIds, _paddingId);
        for (var r = 0; r < rows; r++)
        {
            var ids = batch[r];
            ids.CopyTo(inputIds.AsSpan(r * width));
            mask.AsSpan(r * width, ids.Length).Fill(1);
        }

        long[] shape = [rows, width];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(inputIds, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = _hasTokenTypes ? OrtValue.CreateTensorValueFromMemory(new long[size], shape) : null;
        var inputs = _hasTokenTypes ? new[] { idsValue, maskValue, typesValue! } : new[] { idsValue, maskValue };
        using var runOptions = new RunOptions();
        using var results = _session.Run(runOptions, _inputNames, inputs, [_outputName]);
        var hidden = results[0].GetTensorDataAsSpan<float>();
        var dim = (int)results[0].GetTensorTypeAndShape().Shape[^1];
        if (_outputIsPooled)
        {
            hidden[..(rows * dim)].CopyTo(output);
            return;
        }

        var stride = width * dim;
        for (var r = 0; r < rows; r++)
        {
            Pooling.Pool(hidden.Slice(r * stride, stride), dim, batch[r].Length, skipFirst, pooling, output.Slice(r * dim, dim));
        }
    }

    public void Dispose() => _session.Dispose();
}
