namespace Qianru.Collections;

/// <summary>One result of <see cref="VectorCollection.Search(float[], int, CollectionIndexMode)"/>.</summary>
/// <param name="Id">The item's id.</param>
/// <param name="Score">Cosine similarity to the query (higher is closer).</param>
/// <param name="Text">The item's text.</param>
/// <param name="Metadata">The item's metadata as JSON, or null.</param>
public sealed record CollectionHit(string Id, float Score, string? Text, string? Metadata);
