namespace Qianru.Models;

/// <summary>What a sentence-embedding model is and how Qianru runs it. Immutable.</summary>
public sealed record ModelInfo
{
    /// <summary>The id it is known by: an embedded model's id (<c>minilm</c>) or the folder's name.</summary>
    public required string Id { get; init; }

    /// <summary>Where it came from: <c>embedded:…</c> or the model folder's full path.</summary>
    public required string Source { get; init; }

    /// <summary>The length of the vectors it produces (before any Matryoshka truncation).</summary>
    public required int Dimensions { get; init; }

    /// <summary>The most tokens per text, <c>[CLS]</c> and <c>[SEP]</c> included; longer texts are truncated.</summary>
    public required int MaxSequenceLength { get; init; }

    /// <summary>The pooling of token embeddings.</summary>
    public required PoolingMode Pooling { get; init; }

    /// <summary>Whether prompt tokens take part in pooling (sentence-transformers' <c>include_prompt</c>). Default true.</summary>
    public bool IncludePrompt { get; init; } = true;

    /// <summary>Whether vectors are L2-normalized by default (a <c>Normalize</c> module).</summary>
    public required bool Normalize { get; init; }

    /// <summary>Whether the text is lower-cased before tokenizing (<c>sentence_bert_config.json</c> do_lower_case).</summary>
    public bool DoLowerCase { get; init; }

    /// <summary>Named prompts (<c>config_sentence_transformers.json</c>), e.g. <c>query</c>.</summary>
    public IReadOnlyDictionary<string, string> Prompts { get; init; } = new Dictionary<string, string>();

    /// <summary>The prompt used when none is asked for, or <see langword="null"/>.</summary>
    public string? DefaultPromptName { get; init; }

    /// <summary>The similarity function the model was trained for (<c>cosine</c>, <c>dot</c>, <c>euclidean</c>, <c>manhattan</c>).</summary>
    public string SimilarityFunction { get; init; } = "cosine";

    /// <summary>
    /// What the model computes, independent of its name: a SHA-256 over its ONNX weights, its tokenizer's vocabulary
    /// and behaviour, and the settings that shape its vectors (pooling, normalization, dimensions); set when a model is
    /// loaded, <see langword="null"/> on a <see cref="ModelInfo"/> made by hand. Collections use it to refuse vectors of
    /// another model that has the same name.
    /// </summary>
    public string? Fingerprint { get; init; }

    /// <summary>A one-line description.</summary>
    public string Description { get; init; } = "";

    /// <summary>The prompt for search queries: the <c>query</c> prompt where the model has one.</summary>
    public string? QueryPrompt => Prompts.TryGetValue("query", out var p) ? p : null;
}
