namespace Qianru.Models;

/// <summary>How token embeddings become one sentence embedding (sentence-transformers' <c>Pooling</c> module).</summary>
public enum PoolingMode
{
    /// <summary>Mean of the token embeddings over the attention mask (<c>pooling_mode_mean_tokens</c>).</summary>
    Mean,

    /// <summary>The first token's embedding, <c>[CLS]</c> (<c>pooling_mode_cls_token</c>).</summary>
    Cls,

    /// <summary>Element-wise maximum over the attention mask (<c>pooling_mode_max_tokens</c>).</summary>
    Max,

    /// <summary>The last token that the attention mask keeps (<c>pooling_mode_lasttoken</c>).</summary>
    LastToken,

    /// <summary>Sum over the mask divided by the square root of the token count (<c>pooling_mode_mean_sqrt_len_tokens</c>).</summary>
    MeanSqrtLength,
}
