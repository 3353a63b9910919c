using Microsoft.Extensions.AI;
using Qianru.Models;
using Qianru.Tests.Support;

namespace Qianru.Tests.Embedding;

/// <summary>Behaviour of the embedder: batching, order, concurrency, options and the Microsoft.Extensions.AI contract.</summary>
public sealed class SentenceEmbedderTests
{
    private static readonly string[] Texts =
    [
        "这个接口返回的参数不对", "帮我添加一个下载按钮", "The history of computing is a story of abstraction.",
        "short", "", "Hello, world!", "A much longer sentence that goes on and on to make the batches uneven in length, on purpose.",
        "I had a café au lait at the naïve little bistro.", "GPU 加速的 embedding 模型 is fast",
    ];

    [Fact]
    public void A_batch_equals_one_by_one()
    {
        var embedder = SharedEmbedders.MiniLm;
        var batch = embedder.EmbedBatch(Texts, new EmbedOptions { BatchSize = 4 });
        for (var i = 0; i < Texts.Length; i++)
        {
            var single = embedder.Embed(Texts[i]);
            Assert.True(Golden.MaxAbsDiff(single, batch[i]) <= 1e-5, $"text {i}: {Golden.MaxAbsDiff(single, batch[i])}");
        }
    }

    [Fact]
    public void Output_order_is_input_order_whatever_the_lengths()
    {
        var embedder = SharedEmbedders.MiniLm;
        var forward = embedder.EmbedBatch(Texts);
        var reversed = embedder.EmbedBatch([.. Texts.Reverse()]);
        for (var i = 0; i < Texts.Length; i++)
        {
            Assert.True(Golden.MaxAbsDiff(forward[i], reversed[Texts.Length - 1 - i]) <= 1e-5);
        }
    }

    [Fact]
    public async Task Concurrent_callers_get_the_vectors_of_a_single_caller()
    {
        var embedder = SharedEmbedders.MiniLm;
        var expected = embedder.EmbedBatch(Texts);
        var tasks = Enumerable.Range(0, 8).Select(_ => Task.Run(() => embedder.EmbedBatch(Texts))).ToArray();
        foreach (var result in await Task.WhenAll(tasks))
        {
            for (var i = 0; i < Texts.Length; i++)
            {
                Assert.Equal(expected[i], result[i]);
            }
        }
    }

    [Fact]
    public void Dimensions_truncate_then_renormalize()
    {
        var embedder = SharedEmbedders.MiniLm;
        var full = embedder.Embed(Texts[2]);
        var cut = embedder.Embed(Texts[2], new EmbedOptions { Dimensions = 128 });
        Assert.Equal(128, cut.Length);
        NaiveReference.AssertClose(NaiveReference.Normalize([.. full.Take(128).Select(x => (double)x)]), cut, 1e-6);
        Assert.Throws<ArgumentOutOfRangeException>(() => embedder.Embed("x", new EmbedOptions { Dimensions = 385 }));
    }

    [Fact]
    public void No_normalize_gives_the_raw_mean_pooled_vector()
    {
        var embedder = SharedEmbedders.MiniLm;
        var raw = embedder.Embed(Texts[2], new EmbedOptions { Normalize = false });
        var reference = NaiveReference.Pool(NaiveReference.TokenEmbeddings(embedder.Tokenize(Texts[2]).Ids), "mean");
        NaiveReference.AssertClose(reference, raw);
    }

    [Fact]
    public void Arctic_uses_cls_pooling_and_its_query_prompt()
    {
        var arctic = SharedEmbedders.ArcticXs;
        Assert.Equal(PoolingMode.Cls, arctic.Model.Pooling);
        Assert.Equal(512, arctic.Model.MaxSequenceLength);
        var query = arctic.EmbedQuery("what is a fox");
        Assert.Equal(arctic.Embed("Represent this sentence for searching relevant passages: what is a fox"), query);
        Assert.NotEqual(arctic.Embed("what is a fox"), query);
        Assert.Equal(arctic.Embed("what is a fox"), arctic.EmbedDocuments(["what is a fox"])[0]);
    }

    [Fact]
    public void Mostly_unknown_texts_are_reported()
    {
        var batch = SharedEmbedders.MiniLm.Encode(["业绩增长", "服务挂了", "hello world"]);
        Assert.Equal(2, batch.MostlyUnknownCount);
        // The English model cannot tell these two Chinese texts apart: same ids, same vector.
        Assert.Equal(SharedEmbedders.MiniLm.Tokenize("业绩增长").Ids, SharedEmbedders.MiniLm.Tokenize("服务挂了").Ids);
    }

    [Fact]
    public void An_empty_list_gives_no_vectors() => Assert.Empty(SharedEmbedders.MiniLm.EmbedBatch([]));

    [Fact]
    public async Task The_embedding_generator_contract_gives_the_same_vectors()
    {
        IEmbeddingGenerator<string, Embedding<float>> generator = SharedEmbedders.MiniLm;
        var result = await generator.GenerateAsync(["Hello, world!", "short"]);
        Assert.Equal(2, result.Count);
        Assert.Equal(SharedEmbedders.MiniLm.Embed("Hello, world!"), result[0].Vector.ToArray());
        Assert.Equal("minilm", result[0].ModelId);
        Assert.Equal(9, result.Usage!.InputTokenCount); // 6 + 3 tokens
        var metadata = generator.GetService<EmbeddingGeneratorMetadata>()!;
        Assert.Equal("minilm", metadata.DefaultModelId);
        Assert.Equal(384, metadata.DefaultModelDimensions);
        var small = await generator.GenerateAsync(["Hello"], new EmbeddingGenerationOptions { Dimensions = 64 });
        Assert.Equal(64, small[0].Vector.Length);
    }

    [Fact]
    public async Task CreateAsync_loads_the_same_model()
    {
        using var embedder = await SentenceEmbedder.CreateAsync("minilm", new EmbedderOptions { Threads = 1, MaxBatchTokens = 64 });
        var item = Golden.Items[4];
        Assert.True(Golden.Cosine(embedder.Embed(item.Text), item.Embedding) >= 0.9999);
        var batch = embedder.EmbedBatch(Texts);
        Assert.True(Golden.MaxAbsDiff(batch[6], SharedEmbedders.MiniLm.Embed(Texts[6])) <= 1e-5);
    }

    [Fact]
    public void Progress_reports_every_text()
    {
        var reports = new List<int>();
        SharedEmbedders.MiniLm.EmbedBatch(Texts, new EmbedOptions { BatchSize = 2 }, new SyncProgress(reports.Add));
        Assert.Equal(Texts.Length, reports[^1]);
        Assert.True(reports.Count >= 5);
    }

    private sealed class SyncProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
