namespace Qianru.Tests.Import;

/// <summary>
/// XLM-RoBERTa (positions from pad_token_id + 1 that skip padding, one token type, eps 1e-5, roberta. names, lm_head
/// ignored) through safetensors and through an ONNX export with external data, against the plain-torch reference of
/// Fixtures/import/make_fixtures.py. Token ids are fed directly; the tokenizer is not under test here.
/// </summary>
public sealed class ImportedXlmRobertaTests
{
    [Fact]
    public void Xlm_roberta_from_safetensors_matches_the_torch_reference_batched_and_one_by_one() =>
        AssertMatches(ImportFolders.CopyFixture("xlm-roberta"));

    [Fact]
    public void Xlm_roberta_onnx_export_with_external_data_matches_the_torch_reference_batched_and_one_by_one()
    {
        var dir = ImportFolders.CopyFixture("xlm-roberta", "model.safetensors");
        foreach (var file in new[] { "model.onnx", "model.onnx_data" })
        {
            Directory.CreateDirectory(Path.Combine(dir, "onnx"));
            File.Copy(ImportFolders.FixturePath("xlm-roberta-onnx", "onnx", file), Path.Combine(dir, "onnx", file));
        }

        AssertMatches(dir);
    }

    private static void AssertMatches(string dir)
    {
        using var embedder = SentenceEmbedder.Create(dir);
        Assert.Equal(1, embedder.Tokenizer.PaddingId);
        var expected = ImportFolders.ReadExpected("xlm-roberta");
        var ids = expected.Select(e => e.TokenIds).ToArray();

        // Sorted by length and padded in batches of 4: padding sits at the end of most rows.
        var batched = embedder.EncodeTokens(ids, new EmbedOptions { BatchSize = 4 }).Vectors;
        for (var i = 0; i < ids.Length; i++)
        {
            ImportFolders.AssertClose(batched[i], expected[i].Embedding, $"sequence {i} ({ids[i].Length} ids) in a batch");
            var alone = embedder.EncodeTokens([ids[i]]).Vectors[0];
            ImportFolders.AssertClose(alone, expected[i].Embedding, $"sequence {i} alone");
        }
    }
}
