using System.Runtime.Intrinsics.X86;

namespace Qianru.Quantization;

/// <summary>What the CPU's int8 GEMM (ONNX Runtime's MLAS) does with uint8 × int8 products.</summary>
internal static class Int8Hardware
{
    /// <summary>AVX-VNNI or AVX512-VNNI: products accumulate in 32 bits, never saturating.</summary>
    public static bool HasVnni =>
        AvxVnni.IsSupported || (Avx512F.IsSupported && (X86Base.CpuId(7, 0).Ecx & (1 << 11)) != 0);

    /// <summary>An x86 CPU without VNNI: MLAS multiplies uint8 × int8 pairs into 16 bits (vpmaddubsw), which 8-bit weights can saturate.</summary>
    public static bool PairsCanSaturate => X86Base.IsSupported && !HasVnni;

    /// <summary>Resolves <see cref="QuantizationOptions.ReduceRange"/>: the option, else whether this CPU can saturate.</summary>
    public static bool ReduceRange(QuantizationOptions options) => options.ReduceRange ?? PairsCanSaturate;
}
