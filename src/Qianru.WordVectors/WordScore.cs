namespace Qianru.WordVectors;

/// <summary>A word and its score (cosine similarity, or the 3CosMul value) in a query result, best first.</summary>
/// <param name="Word">The word.</param>
/// <param name="Score">Its score.</param>
public readonly record struct WordScore(string Word, float Score);
