namespace Qianru.Cli.Search;

/// <summary>How <c>qianru knn</c> searches.</summary>
internal enum KnnIndexKind
{
    Exact,
    Hnsw,
    Int8,
    Binary,
}
