namespace Qianru.Search;

/// <summary>One search result: the position of a corpus vector and its score for the query.</summary>
/// <param name="Id">The corpus id: the index of the vector in the corpus the search ran over.</param>
/// <param name="Score">The metric's value: a similarity (cosine, dot) or a distance (euclidean, manhattan).</param>
public readonly record struct SearchHit(int Id, float Score);
