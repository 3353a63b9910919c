// The tutorial's second example (基于相似度聚类): embed ten support tickets and cluster them with
// DBSCAN(eps=0.55, min_samples=2), printing "label<TAB>text" (-1 = noise); then KMeans(n_clusters=3, random_state=42).
// Run: dotnet run --project examples/Clustering [-- MODEL]
using Qianru;
using Qianru.Clustering;

using var model = SentenceEmbedder.Create(args.Length > 0 ? args[0] : null);

string[] texts =
[
    "这个接口返回的参数不对",
    "帮我添加一个下载按钮",
    "我需要在window上也能用",
    "接口报500错误",
    "接口反应超时了",
    "服务挂了",
    "我需要新增一个新的配置",
    "这个可以取消不用做了",
    "我们做一个适配的接口吧",
    "系统上报一个监控到的错误日志",
];

var x = texts.Select(t => model.EmbedQuery(t)).ToList(); // one embed_query per text, as the tutorial does

// clusters = KMeans(n_clusters=3, random_state=42, n_init="auto").fit(X)
var kmeans = KMeans.Fit(x, new KMeansOptions { Clusters = 3, RandomState = 42 });
// clusters = DBSCAN(eps=0.55, min_samples=2).fit(X)
var clusters = Dbscan.Fit(x, new DbscanOptions { Eps = 0.55, MinSamples = 2 });

for (var i = 0; i < texts.Length; i++)
{
    Console.WriteLine($"{clusters.Labels[i]}\t{texts[i]}");
}

Console.WriteLine();
Console.WriteLine("KMeans(n_clusters=3, random_state=42):");
for (var i = 0; i < texts.Length; i++)
{
    Console.WriteLine($"{kmeans.Labels[i]}\t{texts[i]}");
}
