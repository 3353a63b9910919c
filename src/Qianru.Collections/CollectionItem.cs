namespace Qianru.Collections;

/// <summary>A text to add to a <see cref="VectorCollection"/>.</summary>
/// <param name="Text">The text (it is embedded, and returned by search).</param>
/// <param name="Id">A stable id; null derives one from the text (<see cref="VectorCollection.IdForText"/>).</param>
/// <param name="Metadata">A JSON object stored with the text and returned by search; null for none.</param>
public sealed record CollectionItem(string Text, string? Id = null, string? Metadata = null);
