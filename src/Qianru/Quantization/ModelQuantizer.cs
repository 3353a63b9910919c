namespace Qianru.Quantization;

/// <summary>
/// Makes int8 (or int4) dynamically quantized models from float32 ONNX encoders, in C# with no Python.
/// </summary>
/// <remarks>
/// <para>By default (<see cref="QuantizationMethod.RowInt8"/>) every MatMul with a constant weight becomes ONNX's
/// <c>MatMulInteger</c> on int8 weights (one scale per output column) and activations quantized to uint8 at run time
/// with one scale per row (token), after SmoothQuant smoothing calibrated on built-in English and Chinese text
/// (<see href="https://arxiv.org/abs/2211.10438">Xiao et al., 2022</see>). <see cref="QuantizationMethod.Block"/> uses
/// ONNX Runtime's <c>com.microsoft.MatMulNBits</c>
/// (<see href="https://github.com/microsoft/onnxruntime/blob/main/docs/ContribOperators.md#com.microsoft.MatMulNBits"/>):
/// weights stored as 8-bit integers with one float scale per block of <see cref="QuantizationOptions.BlockSize"/>
/// values, activations quantized to int8 at run time per row and block (<c>accuracy_level</c> 4). Because no
/// activation scale is shared between rows, a text's vector is the same whatever else is in its batch.</para>
/// <para>The embedding lookups, LayerNorms, attention score products and pooler stay float32. All methods are thread-safe.</para>
/// </remarks>
public static class ModelQuantizer
{
    /// <summary>
    /// Writes a complete model folder with quantized MatMul weights: the quantized <c>model.onnx</c> plus the source's
    /// tokenizer, pooling, normalization and prompt configuration, and <c>quantization.json</c> recording what was done.
    /// The folder loads with <see cref="SentenceEmbedder.Create(string?, EmbedderOptions?)"/> like any model folder.
    /// </summary>
    /// <param name="modelIdOrFolder">An embedded model id (<c>minilm</c>, <c>arctic-xs</c>) or a model folder (an ONNX export, with or without external data, or Hugging Face weights).</param>
    /// <param name="outputFolder">Where to write; must not exist or be empty. It is written under a temporary name and renamed when complete.</param>
    /// <param name="options">How to quantize; <see langword="null"/> = the defaults of <see cref="QuantizationOptions"/>.</param>
    /// <param name="cancellationToken">Checked between calibration runs and weights; a cancelled call leaves no output folder.</param>
    /// <exception cref="QianruException">Unknown model, unsupported folder, or an output folder that is not empty.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static QuantizationResult QuantizeModel(string modelIdOrFolder, string outputFolder, QuantizationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelIdOrFolder);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputFolder);
        return QuantizedModelFolder.Write(modelIdOrFolder, Path.GetFullPath(outputFolder), options ?? new QuantizationOptions(), cancellationToken);
    }

    /// <summary>Quantizes the MatMul weights of an ONNX model given as bytes and returns the new model's bytes.</summary>
    /// <param name="onnx">The float32 ONNX model.</param>
    /// <param name="options">How to quantize; <see langword="null"/> = the defaults of <see cref="QuantizationOptions"/>.</param>
    /// <param name="result">What was quantized, skipped and fused.</param>
    /// <param name="source">A name for the model in error messages.</param>
    /// <param name="calibrationIds">
    /// Token id sequences (with special tokens) to measure activation ranges on, for the per-row method's smoothing;
    /// <see langword="null"/>: no smoothing. <see cref="QuantizeModel"/> tokenizes built-in calibration text itself.
    /// The model's inputs are fed by name: <c>input_ids</c>, <c>attention_mask</c> (ones) and any other (zeros).
    /// </param>
    /// <param name="cancellationToken">Checked between calibration runs and weights.</param>
    /// <exception cref="InvalidDataException">The bytes are not an ONNX model.</exception>
    /// <exception cref="NotSupportedException">A weight lives in an external data file.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static byte[] QuantizeOnnx(byte[] onnx, QuantizationOptions? options, out QuantizationResult result, string source = "model.onnx", IReadOnlyList<long[]>? calibrationIds = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onnx);
        return OnnxGraphQuantizer.Quantize(onnx, options ?? new QuantizationOptions(), source, calibrationIds, out result, cancellationToken);
    }
}
