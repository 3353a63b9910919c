using Qianru.Collections;
using Qianru.Similarity;

namespace Qianru.Tests.Collections;

public sealed class CollectionQueryPromptTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("qianru-prompt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Search_embeds_the_query_with_the_models_query_prompt()
    {
        using var embedder = SentenceEmbedder.Create("arctic-xs");
        Assert.NotNull(embedder.Model.QueryPrompt);
        string[] docs = ["The cat sits on the mat.", "Stock prices rose sharply in the third quarter.", "How to bake bread at home."];
        using var collection = VectorCollection.Create(Path.Combine(_dir, "c.db"), new CollectionInfo(embedder.Model.Id, embedder.Model.Dimensions, embedder.Model.Normalize));
        await collection.AddAsync([.. docs.Select(d => new CollectionItem(d))], embedder);

        const string Query = "quarterly earnings growth";
        var hits = await collection.SearchAsync(Query, embedder, k: 3, CollectionIndexMode.Exact);
        var withPrompt = embedder.EmbedQuery(Query);
        var withoutPrompt = embedder.Embed(Query);
        var documents = embedder.EmbedDocuments(docs);
        foreach (var hit in hits)
        {
            var doc = documents[Array.IndexOf(docs, hit.Text)];
            Assert.Equal(VectorSimilarity.Cosine(withPrompt, doc), hit.Score, 4);
            Assert.NotEqual(VectorSimilarity.Cosine(withoutPrompt, doc), hit.Score, 4);
        }

        Assert.Equal(docs[1], hits[0].Text);
    }
}
