namespace Qianru.Search;

/// <summary>Two vectors of one corpus that are close to each other, as found by paraphrase mining.</summary>
/// <param name="First">The smaller corpus id of the pair.</param>
/// <param name="Second">The larger corpus id of the pair.</param>
/// <param name="Score">The metric's value for the pair.</param>
public readonly record struct ParaphrasePair(int First, int Second, float Score);
