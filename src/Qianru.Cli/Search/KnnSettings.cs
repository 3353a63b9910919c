using Qianru.Search;
using Qianru.Similarity;

namespace Qianru.Cli.Search;

/// <summary>The options of <c>qianru knn</c> that shape the index.</summary>
internal sealed record KnnSettings(int K, SimilarityMetric Metric, int? Ef, int M, int EfConstruction, int Rescore, HnswPrecision Precision);
