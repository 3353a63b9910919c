namespace Qianru.Quantization;

/// <summary>The quantization schemes of <see cref="ModelQuantizer"/>.</summary>
public enum QuantizationMethod
{
    /// <summary>
    /// int8 weights with one scale per output column; activations quantized to int8 at run time with one scale per row
    /// (token) after SmoothQuant smoothing; ONNX <c>MatMulInteger</c> (uint8 × int8, VNNI where the CPU has it).
    /// </summary>
    RowInt8,

    /// <summary>ONNX Runtime's <c>com.microsoft.MatMulNBits</c>: 8- or 4-bit weights and activations quantized per row and block.</summary>
    Block,
}
