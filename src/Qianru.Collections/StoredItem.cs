namespace Qianru.Collections;

/// <summary>An item as a store writes it: id, text, metadata JSON (validated) and vector (normalized when the collection is).</summary>
internal sealed record StoredItem(string Id, string Text, string? Metadata, float[] Vector);
