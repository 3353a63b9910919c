using Qianru.Tokenization;

namespace Qianru.Models;

/// <summary>Everything needed to run a model: its settings, tokenizer and ONNX bytes or file.</summary>
internal sealed record ModelDefinition
{
    public required ModelInfo Info { get; init; }

    public required EmbeddingTokenizer Tokenizer { get; init; }

    /// <summary>The ONNX file of a model folder, or <see langword="null"/> for an embedded model.</summary>
    public string? OnnxPath { get; init; }

    /// <summary>Reads the ONNX bytes of an embedded model.</summary>
    public Func<byte[]>? OnnxBytes { get; init; }

    /// <summary>A key for the optimized-model cache: changes whenever the ONNX bytes may have changed.</summary>
    public required string CacheKey { get; init; }
}
