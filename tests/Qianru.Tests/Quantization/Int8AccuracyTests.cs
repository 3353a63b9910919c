using Qianru.Tests.Support;
using Xunit.Abstractions;

namespace Qianru.Tests.Quantization;

/// <summary>minilm-int8 against sentence-transformers' reference vectors and against float32 MiniLM's rankings.</summary>
public sealed class Int8AccuracyTests(ITestOutputHelper output)
{
    private static readonly string[] Chinese =
    [
        "小明,我们公司三季度接了个大单",
        "小明,我们公司今天三季度同比增长60%",
        "小明,我们公司第二季度,有一笔交易被认定的死账",
        "小明,公司CEO信心满满,下一季度再创新高",
        "小明,公司计划要扩招300人",
    ];

    private static readonly string[] English =
    [
        "The company's quarterly revenue grew by 60 percent.",
        "Profits rose sharply this year thanks to strong sales.",
        "We are hiring three hundred new engineers next month.",
        "The recipe needs two eggs and a cup of flour.",
        "A bad debt was written off in the second quarter.",
        "My cat sleeps on the windowsill all afternoon.",
    ];

    private static readonly string[] Tickets =
    [
        "这个接口返回的参数不对", "帮我添加一个下载按钮", "我需要在window上也能用", "接口报500错误", "接口反应超时了",
        "服务挂了", "我需要新增一个新的配置", "这个可以取消不用做了", "我们做一个适配的接口吧", "系统上报一个监控到的错误日志",
    ];

    [Fact]
    public void Every_golden_vector_has_cosine_at_least_0_99_with_the_reference()
    {
        var vectors = QuantizedEmbedders.MiniLmInt8.EmbedBatch([.. Golden.Items.Select(i => i.Text)]);
        var cosines = vectors.Select((v, i) => Golden.Cosine(v, Golden.Items[i].Embedding)).Order().ToArray();
        output.WriteLine($"int8 vs reference over {cosines.Length} texts: min {cosines[0]:F5}, p10 {cosines[cosines.Length / 10]:F5}, median {cosines[cosines.Length / 2]:F5}, mean {cosines.Average():F5}, max {cosines[^1]:F5}");
        Assert.All(cosines, c => Assert.True(c >= 0.99, $"cosine {c}"));
    }

    [Fact]
    public void A_vector_does_not_depend_on_its_batch()
    {
        var embedder = QuantizedEmbedders.MiniLmInt8;
        var texts = Golden.Items.Select(i => i.Text).ToArray();
        var target = texts[3];
        var alone = embedder.Embed(target);
        var batches = new[]
        {
            (IReadOnlyList<string>)[target, "a", "b"],
            [.. texts.Take(20)],
            [.. texts.Reverse()],
            [string.Concat(Enumerable.Repeat("LOUD NUMBERS 123456789 ", 40)), target, "?"],
        };
        foreach (var batch in batches)
        {
            var vectors = embedder.EmbedBatch(batch, new EmbedOptions { BatchSize = 64 });
            var index = batch.ToList().IndexOf(target);
            Assert.True(Golden.MaxAbsDiff(alone, vectors[index]) <= 1e-6, $"max |Δ| {Golden.MaxAbsDiff(alone, vectors[index])} in a batch of {batch.Count}");
        }
    }

    [Fact]
    public void Arctic_xs_int8_keeps_its_settings_and_stays_close_to_float32()
    {
        using var int8 = SentenceEmbedder.Create("arctic-xs-int8");
        Assert.Equal("arctic-xs-int8", int8.Model.Id);
        Assert.Equal(Models.EmbeddedModels.ArcticXs.Info.Prompts, int8.Model.Prompts);
        var texts = English.Append("revenue growth").ToArray();
        var a = SharedEmbedders.ArcticXs.EmbedBatch(texts);
        var b = int8.EmbedBatch(texts);
        var q32 = SharedEmbedders.ArcticXs.EmbedQuery("revenue growth");
        var q8 = int8.EmbedQuery("revenue growth");
        Assert.True(Golden.Cosine(q32, q8) >= 0.99, $"query: cosine {Golden.Cosine(q32, q8)}");
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.True(Golden.Cosine(a[i], b[i]) >= 0.99, $"text {i}: cosine {Golden.Cosine(a[i], b[i])}");
        }
    }

    [Fact]
    public void Seed_similarity_ranking_matches_float32() => AssertSameRanking("业绩增长", Chinese);

    [Fact]
    public void English_similarity_ranking_matches_float32() => AssertSameRanking("revenue growth", English);

    [Fact]
    public void Seed_ticket_clusters_match_float32()
    {
        // DBSCAN(eps = 0.55, min_samples = 2) as in the seed depends only on which pairs are closer than eps,
        // and a text's nearest neighbour decides KMeans-style assignments: both must agree with float32.
        var fp32 = SharedEmbedders.MiniLm.EmbedBatch(Tickets);
        var int8 = QuantizedEmbedders.MiniLmInt8.EmbedBatch(Tickets);
        for (var i = 0; i < Tickets.Length; i++)
        {
            Assert.Equal(Nearest(fp32, i), Nearest(int8, i));
            for (var j = 0; j < Tickets.Length; j++)
            {
                Assert.Equal(Distance(fp32[i], fp32[j]) < 0.55, Distance(int8[i], int8[j]) < 0.55);
            }
        }
    }

    private void AssertSameRanking(string query, string[] documents)
    {
        static int[] Rank(SentenceEmbedder e, string q, string[] docs)
        {
            var qv = e.EmbedQuery(q);
            var dv = e.EmbedDocuments(docs);
            return [.. Enumerable.Range(0, docs.Length).OrderByDescending(i => Golden.Cosine(qv, dv[i]))];
        }

        var fp32 = Rank(SharedEmbedders.MiniLm, query, documents);
        var int8 = Rank(QuantizedEmbedders.MiniLmInt8, query, documents);
        output.WriteLine($"{query}: fp32 order {string.Join(",", fp32)}, int8 order {string.Join(",", int8)}");
        Assert.Equal(fp32, int8);
    }

    private static int Nearest(float[][] vectors, int i) =>
        Enumerable.Range(0, vectors.Length).Where(j => j != i).MinBy(j => Distance(vectors[i], vectors[j]));

    private static double Distance(float[] a, float[] b) => Math.Sqrt(a.Zip(b, (x, y) => (double)(x - y) * (x - y)).Sum());
}
