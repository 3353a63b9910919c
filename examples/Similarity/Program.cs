// The tutorial's first example (向量相似度计算): embed a query and five documents, then print cosine similarity
// (larger = more similar) and Euclidean distance (smaller = more similar), the query against itself first.
// Run: dotnet run --project examples/Similarity [-- MODEL]   (MODEL: minilm (default), arctic-xs, or a model folder)
using Qianru;
using Qianru.Similarity;

using var model = SentenceEmbedder.Create(args.Length > 0 ? args[0] : null);

var query = "业绩增长";
string[] documents =
[
    "小明,我们公司三季度接了个大单",
    "小明,我们公司今天三季度同比增长60%",
    "小明,我们公司第二季度,有一笔交易被认定的死账",
    "小明,公司CEO信心满满,下一季度再创新高",
    "小明,公司计划要扩招300人",
];

var queryVec = model.EmbedQuery(query);          // embed_query
var docVecs = model.EmbedDocuments(documents);   // embed_documents

Console.WriteLine("Cosine similarity:"); // 越大越相似
Console.WriteLine(VectorSimilarity.Cosine(queryVec, queryVec));
foreach (var vec in docVecs)
{
    Console.WriteLine(VectorSimilarity.Cosine(queryVec, vec));
}

Console.WriteLine();
Console.WriteLine("Euclidean distance:"); // 越小越相似
Console.WriteLine(VectorSimilarity.Euclidean(queryVec, queryVec));
foreach (var vec in docVecs)
{
    Console.WriteLine(VectorSimilarity.Euclidean(queryVec, vec));
}
