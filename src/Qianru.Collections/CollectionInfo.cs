namespace Qianru.Collections;

/// <summary>What a <see cref="VectorCollection"/> records once, at creation: the model its vectors come from.</summary>
/// <param name="ModelId">The id of the embedding model (every added vector must come from it).</param>
/// <param name="Dimensions">The length of every vector.</param>
/// <param name="Normalized">True when vectors are stored L2-normalized (then cosine equals dot product).</param>
public sealed record CollectionInfo(string ModelId, int Dimensions, bool Normalized)
{
    /// <summary>
    /// Where the model was loaded from when its id alone cannot find it again (a model folder's absolute path, or a
    /// <c>words:</c> spec with its pooling), so tools can reopen it; <see langword="null"/> for embedded models.
    /// Informational: vectors are checked against <see cref="ModelId"/>.
    /// </summary>
    public string? ModelSource { get; init; }
}
