using System.Text.Json;

namespace Qianru.Tests.Import;

/// <summary>
/// Text to vector through an XLM-RoBERTa folder shaped like multilingual-e5 (Unigram tokenizer.json, safetensors with
/// roberta. names, mean pooling, normalized, query:/passage: prompts), against SentencePiece's own ids and the
/// plain-torch forward pass of Fixtures/import/make_fixtures.py: the tokenizer and the network checked together.
/// </summary>
public sealed class XlmRobertaEndToEndTests
{
    private sealed record Item(string Prompt, string Text, long[] TokenIds, float[] Embedding);

    [Fact]
    public void Texts_give_sentencepiece_ids_and_the_torch_vectors_batched_and_one_by_one()
    {
        using var embedder = SentenceEmbedder.Create(Folder());
        var items = Read();

        // With no sentence_bert_config.json or model_max_length, the longest input fits the position table:
        // max_position_embeddings (40) - pad_token_id (1) - 1.
        Assert.Equal(38, embedder.Model.MaxSequenceLength);
        Assert.Equal(Qianru.Models.PoolingMode.Mean, embedder.Model.Pooling);
        Assert.True(embedder.Model.Normalize);

        foreach (var item in items)
        {
            var options = item.Prompt.Length == 0 ? null : new EmbedOptions { Prompt = item.Prompt };
            Assert.Equal(item.TokenIds, embedder.Tokenize(item.Text, options).Ids);
            ImportFolders.AssertClose(embedder.Embed(item.Text, options), item.Embedding, $"'{item.Prompt}{item.Text}' alone");
        }

        // The prompts the folder declares give the same ids as the prompt written out.
        var query = items.First(i => i.Prompt == "query: ");
        Assert.Equal(query.TokenIds, embedder.Tokenize(query.Text, new EmbedOptions { PromptName = "query" }).Ids);

        // One batch of texts without a prompt: sorted by length and padded with <pad> = 1.
        var plain = items.Where(i => i.Prompt.Length == 0).ToArray();
        var batched = embedder.EmbedBatch([.. plain.Select(i => i.Text)], new EmbedOptions { BatchSize = 8 });
        for (var i = 0; i < plain.Length; i++)
        {
            ImportFolders.AssertClose(batched[i], plain[i].Embedding, $"'{plain[i].Text}' in a batch");
        }
    }

    private static string Folder()
    {
        var dir = ImportFolders.CopyFixture("xlm-roberta-e5");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "unigram", "xlmr", "tokenizer.json"), Path.Combine(dir, "tokenizer.json"));
        return dir;
    }

    private static Item[] Read()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(ImportFolders.FixturePath("xlm-roberta-e5", "expected.json")));
        return [.. doc.RootElement.GetProperty("items").EnumerateArray().Select(e => new Item(
            e.GetProperty("prompt").GetString()!,
            e.GetProperty("text").GetString()!,
            [.. e.GetProperty("token_ids").EnumerateArray().Select(x => x.GetInt64())],
            [.. e.GetProperty("embedding").EnumerateArray().Select(x => x.GetSingle())]))];
    }
}
