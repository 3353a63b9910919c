namespace Qianru.WordVectors;

/// <summary>Words and their vectors (row-major) as read from a file or built by training.</summary>
internal sealed record KeyedVectorsData(string[] Words, float[] Vectors, int Dimensions, long[]? Counts = null);
