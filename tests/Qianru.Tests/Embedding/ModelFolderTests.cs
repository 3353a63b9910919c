using Qianru.Models;
using Qianru.Tests.Support;

namespace Qianru.Tests.Embedding;

/// <summary>Settings are read from sentence-transformers model folders built from the embedded weights.</summary>
public sealed class ModelFolderTests
{
    private const string Text = "The quick brown fox jumps over the lazy dog.";

    [Fact]
    public void A_minilm_folder_gives_the_reference_vectors_from_onnx_subfolder_and_tokenizer_json()
    {
        var dir = ModelFolders.Create(new ModelFolders.Spec { OnnxInSubfolder = true, TokenizerJson = true, VocabTxt = false });
        using var embedder = SentenceEmbedder.Create(dir);
        Assert.Equal(PoolingMode.Mean, embedder.Model.Pooling);
        Assert.True(embedder.Model.Normalize);
        Assert.Equal(256, embedder.Model.MaxSequenceLength);
        Assert.Equal(384, embedder.Model.Dimensions);
        foreach (var item in Golden.Items)
        {
            Assert.Equal(item.TokenIds, embedder.Tokenize(item.Text).Ids);
            Assert.True(Golden.Cosine(embedder.Embed(item.Text), item.Embedding) >= 0.9999);
        }
    }

    [Theory]
    [InlineData("cls", PoolingMode.Cls)]
    [InlineData("max", PoolingMode.Max)]
    [InlineData("lasttoken", PoolingMode.LastToken)]
    [InlineData("mean_sqrt_len_tokens", PoolingMode.MeanSqrtLength)]
    [InlineData("mean", PoolingMode.Mean)]
    public void Each_pooling_mode_is_read_and_matches_the_naive_reference(string mode, PoolingMode expected)
    {
        var dir = ModelFolders.Create(new ModelFolders.Spec { Pooling = mode, Normalize = false });
        using var embedder = SentenceEmbedder.Create(dir);
        Assert.Equal(expected, embedder.Model.Pooling);
        Assert.False(embedder.Model.Normalize);
        var texts = new[] { Text, "short", "A somewhat longer sentence that needs more padding in a batch with others." };
        var batch = embedder.EmbedBatch(texts);
        for (var i = 0; i < texts.Length; i++)
        {
            var reference = NaiveReference.Pool(NaiveReference.TokenEmbeddings(embedder.Tokenize(texts[i]).Ids), mode);
            NaiveReference.AssertClose(reference, batch[i]);
        }
    }

    [Fact]
    public void Without_a_normalize_module_vectors_are_not_unit_length_until_asked()
    {
        var dir = ModelFolders.Create(new ModelFolders.Spec { Normalize = false });
        using var embedder = SentenceEmbedder.Create(dir);
        var raw = embedder.Embed(Text);
        var norm = Math.Sqrt(raw.Sum(x => (double)x * x));
        Assert.True(Math.Abs(norm - 1) > 0.01, $"norm {norm}");
        var normalized = embedder.Embed(Text, new EmbedOptions { Normalize = true });
        NaiveReference.AssertClose(NaiveReference.Normalize([.. raw.Select(x => (double)x)]), normalized, 1e-6);
    }

    [Fact]
    public void Max_seq_length_is_read_and_truncates()
    {
        var dir = ModelFolders.Create(new ModelFolders.Spec { MaxSeqLength = 16 });
        using var embedder = SentenceEmbedder.Create(dir);
        Assert.Equal(16, embedder.Model.MaxSequenceLength);
        var long1 = string.Join(' ', Enumerable.Repeat("word", 40));
        var tokenized = embedder.Tokenize(long1);
        Assert.Equal(16, tokenized.Length);
        Assert.True(tokenized.Truncated);
        var batch = embedder.Encode([long1, "hi"]);
        Assert.Equal(1, batch.TruncatedCount);
        Assert.Equal([16, 3], batch.TokenCounts);
    }

    [Fact]
    public void Without_sentence_bert_config_the_max_length_comes_from_the_model_config()
    {
        var dir = ModelFolders.Create(new ModelFolders.Spec { MaxSeqLength = null });
        using var embedder = SentenceEmbedder.Create(dir);
        Assert.Equal(512, embedder.Model.MaxSequenceLength);
    }

    [Fact]
    public void Prompts_are_read_and_applied()
    {
        var prompts = new Dictionary<string, string> { ["query"] = "query: ", ["passage"] = "passage: " };
        var dir = ModelFolders.Create(new ModelFolders.Spec { Prompts = prompts, DefaultPromptName = "passage" });
        using var embedder = SentenceEmbedder.Create(dir);
        Assert.Equal("query: ", embedder.Model.QueryPrompt);
        Assert.Equal("passage", embedder.Model.DefaultPromptName);
        using var plain = SentenceEmbedder.Create(ModelFolders.Create(new ModelFolders.Spec()));
        // The default prompt applies when none is asked for.
        Assert.Equal(plain.Embed("passage: " + Text), embedder.Embed(Text));
        Assert.Equal(plain.Embed("query: " + Text), embedder.EmbedQuery(Text));
        Assert.Equal(plain.Embed("query: " + Text), embedder.Embed(Text, new EmbedOptions { PromptName = "query" }));
        Assert.Equal(plain.Embed("为这个句子生成表示以用于检索相关文章：" + Text), embedder.Embed(Text, new EmbedOptions { Prompt = "为这个句子生成表示以用于检索相关文章：" }));
        var ex = Assert.Throws<QianruException>(() => embedder.Embed(Text, new EmbedOptions { PromptName = "nope" }));
        Assert.Contains("query, passage", ex.Message);
    }

    [Fact]
    public void Include_prompt_false_leaves_the_prompt_tokens_out_of_pooling()
    {
        var prompts = new Dictionary<string, string> { ["query"] = "query: " };
        var dir = ModelFolders.Create(new ModelFolders.Spec { Prompts = prompts, IncludePrompt = false, Normalize = false });
        using var embedder = SentenceEmbedder.Create(dir);
        Assert.False(embedder.Model.IncludePrompt);
        var vector = embedder.EmbedQuery(Text);
        var ids = embedder.Tokenize("query: " + Text).Ids;
        var promptLength = embedder.Tokenizer.Encode("query: ").Length - 1; // [CLS] + prompt tokens, as sentence-transformers counts
        var reference = NaiveReference.Pool(NaiveReference.TokenEmbeddings(ids), "mean", promptLength);
        NaiveReference.AssertClose(reference, vector);
    }

    [Fact]
    public void A_plain_huggingface_folder_gets_mean_pooling_without_normalization()
    {
        var dir = ModelFolders.Create(new ModelFolders.Spec { Modules = false });
        using var embedder = SentenceEmbedder.Create(dir);
        Assert.Equal(PoolingMode.Mean, embedder.Model.Pooling);
        Assert.False(embedder.Model.Normalize);
    }

    [Fact]
    public void Do_lower_case_false_in_the_tokenizer_config_makes_a_cased_tokenizer()
    {
        var dir = ModelFolders.Create(new ModelFolders.Spec { DoLowerCase = false });
        using var embedder = SentenceEmbedder.Create(dir);
        Assert.NotEqual(embedder.Tokenize("Hello").Ids, embedder.Tokenize("hello").Ids);
    }

    [Fact]
    public void A_dense_module_is_refused_naming_modules_json()
    {
        var dir = ModelFolders.Create(new ModelFolders.Spec { ExtraModuleType = "sentence_transformers.models.Dense" });
        var ex = Assert.Throws<NotSupportedException>(() => SentenceEmbedder.Create(dir));
        Assert.Contains("modules.json", ex.Message);
        Assert.Contains("Dense", ex.Message);
    }

    [Fact]
    public void Weighted_mean_pooling_is_refused_naming_the_pooling_config()
    {
        var dir = ModelFolders.Create(new ModelFolders.Spec { Pooling = "weightedmean" });
        var ex = Assert.Throws<NotSupportedException>(() => SentenceEmbedder.Create(dir));
        Assert.Contains(Path.Combine("1_Pooling", "config.json"), ex.Message);
    }

    [Fact]
    public void A_folder_with_weights_but_no_config_says_what_is_missing()
    {
        var dir = Path.Combine(Path.GetTempPath(), "qianru-tests", "pytorch-only-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "pytorch_model.bin"), "not really");
        var ex = Assert.Throws<QianruException>(() => SentenceEmbedder.Create(dir));
        Assert.Contains("pytorch_model.bin but no config.json", ex.Message);
        Assert.DoesNotContain("optimum", ex.Message);
    }

    [Fact]
    public void A_corrupt_onnx_file_is_an_invalid_data_error_naming_it()
    {
        var dir = Path.Combine(Path.GetTempPath(), "qianru-tests", "corrupt-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "model.onnx"), "garbage");
        File.WriteAllText(Path.Combine(dir, "vocab.txt"), string.Join('\n', ModelFolders.Vocabulary));
        var ex = Assert.Throws<InvalidDataException>(() => SentenceEmbedder.Create(dir));
        Assert.Contains(Path.Combine(dir, "model.onnx"), ex.Message);
    }

    [Fact]
    public void An_unknown_model_id_lists_the_embedded_models()
    {
        var ex = Assert.Throws<QianruException>(() => SentenceEmbedder.Create("no-such-model"));
        Assert.Contains("minilm", ex.Message);
        Assert.Contains("arctic-xs", ex.Message);
    }
}
