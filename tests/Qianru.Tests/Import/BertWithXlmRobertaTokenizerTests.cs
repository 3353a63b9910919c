using System.Text.Json;

namespace Qianru.Tests.Import;

/// <summary>
/// A BERT network with XLM-R's SentencePiece vocabulary, as sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2
/// and intfloat/multilingual-e5-small ship: the folder has only <c>sentencepiece.bpe.model</c> (fairseq id offset) and
/// <c>model.safetensors</c>; ids from SentencePiece itself and vectors from the plain-torch BertModel pass of
/// Fixtures/import/make_fixtures.py (absolute positions, token type 0, mean pooling, not normalized).
/// </summary>
public sealed class BertWithXlmRobertaTokenizerTests
{
    private sealed record Item(string Text, long[] TokenIds, float[] Embedding);

    [Fact]
    public void Sentencepiece_model_and_bert_weights_give_the_reference_ids_and_vectors()
    {
        var dir = ImportFolders.CopyFixture("bert-xlmr");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "unigram", "xlmr", "sentencepiece.bpe.model"), Path.Combine(dir, "sentencepiece.bpe.model"));
        using var embedder = SentenceEmbedder.Create(dir);
        Assert.IsType<Qianru.Tokenization.UnigramTokenizer>(embedder.Tokenizer);
        Assert.Equal(64, embedder.Model.MaxSequenceLength);
        Assert.False(embedder.Model.Normalize);

        var items = Read();
        Assert.Contains(items, i => i.TokenIds.Length == 64); // one text is truncated to max_seq_length
        foreach (var item in items)
        {
            Assert.Equal(item.TokenIds, embedder.Tokenize(item.Text).Ids);
            ImportFolders.AssertClose(embedder.Embed(item.Text), item.Embedding, $"'{item.Text}' alone");
        }

        var batched = embedder.EmbedBatch([.. items.Select(i => i.Text)], new EmbedOptions { BatchSize = 4 });
        for (var i = 0; i < items.Length; i++)
        {
            ImportFolders.AssertClose(batched[i], items[i].Embedding, $"'{items[i].Text}' in a batch");
        }
    }

    private static Item[] Read()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(ImportFolders.FixturePath("bert-xlmr", "expected.json")));
        return [.. doc.RootElement.GetProperty("items").EnumerateArray().Select(e => new Item(
            e.GetProperty("text").GetString()!,
            [.. e.GetProperty("token_ids").EnumerateArray().Select(x => x.GetInt64())],
            [.. e.GetProperty("embedding").EnumerateArray().Select(x => x.GetSingle())]))];
    }
}
