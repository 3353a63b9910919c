namespace Qianru.Collections;

/// <summary>What <see cref="VectorCollection.AddAsync"/> did.</summary>
/// <param name="Added">Items embedded and committed by this call.</param>
/// <param name="Skipped">Items whose id was already in the collection (for example from an interrupted earlier run).</param>
public sealed record CollectionAddResult(int Added, int Skipped);
