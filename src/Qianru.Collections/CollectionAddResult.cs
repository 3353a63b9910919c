namespace Qianru.Collections;

/// <summary>What <see cref="VectorCollection.AddAsync(IReadOnlyList{CollectionItem}, Microsoft.Extensions.AI.IEmbeddingGenerator{string, Microsoft.Extensions.AI.Embedding{float}}, int, IProgress{int}?, CancellationToken)"/> did.</summary>
/// <param name="Added">Items embedded and committed under a new id.</param>
/// <param name="Skipped">
/// Items not written: already stored with the same text and metadata (for example from an interrupted earlier run),
/// repeated in the input, or, with <see cref="ConflictPolicy.Skip"/>, stored with other text.
/// </param>
/// <param name="Replaced">Items whose stored text, metadata and vector were replaced (<see cref="ConflictPolicy.Replace"/>).</param>
public sealed record CollectionAddResult(int Added, int Skipped, int Replaced = 0);
