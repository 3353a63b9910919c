namespace Qianru.Search;

/// <summary>How an <see cref="HnswIndex"/> stores its vectors (queries are always given as float32).</summary>
public enum HnswPrecision
{
    /// <summary>IEEE half precision: half the memory of float32 and, on sentence embeddings, the same recall; scores carry about 1e-3 error.</summary>
    Float16,

    /// <summary>Single precision: exact scores, twice the memory and memory traffic of <see cref="Float16"/>.</summary>
    Float32,

    /// <summary>bfloat16 (8-bit mantissa): the fastest on CPUs with AVX-512 BF16, slightly lower recall at the same ef and scores to about 1e-2.</summary>
    BFloat16,
}
