using Qianru.Models;
using Qianru.Models.Hub;

namespace Qianru.Tests.Embedding;

/// <summary>The one place model specs are classified: every kind, relative paths, the folder-vs-Hub-id rule, and one message for the unknown.</summary>
public sealed class ModelSpecTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "qianru-tests", "spec-" + Guid.NewGuid().ToString("N")[..8]);

    public ModelSpecTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(null, "minilm")]
    [InlineData("  ", "minilm")]
    [InlineData("minilm", "minilm")]
    [InlineData("ARCTIC-XS", "arctic-xs")]
    [InlineData("minilm-int8", "minilm-int8")]
    [InlineData("sentence-transformers/all-MiniLM-L6-v2", "minilm")]
    public void Embedded_ids_and_their_hub_ids_are_embedded(string? text, string id)
    {
        var spec = ModelSpec.Parse(text, _dir);
        Assert.Equal(ModelSpecKind.Embedded, spec.Kind);
        Assert.Equal(id, spec.EmbeddedId);
        Assert.Equal(id, spec.ToString());
        var resolved = spec.Resolve();
        Assert.Equal(id, resolved.Id);
        Assert.Null(resolved.Source);
    }

    [Theory]
    [InlineData("words:v.vec", "v.vec", null)]
    [InlineData("words:sub/v.vec#sif", "sub/v.vec", "sif")]
    [InlineData("WORDS:v.vec#MEAN", "v.vec", "mean")]
    [InlineData("words:odd#name.vec", "odd#name.vec", null)]
    public void Word_vector_specs_resolve_their_file_against_the_base_directory(string text, string file, string? pooling)
    {
        var spec = ModelSpec.Parse(text, _dir);
        Assert.Equal(ModelSpecKind.WordVectors, spec.Kind);
        Assert.Equal(Path.Combine(_dir, file), spec.Path);
        Assert.Equal(pooling, spec.WordPooling);
        Assert.Equal("words:" + Path.Combine(_dir, file) + (pooling is null ? "" : "#" + pooling), spec.ToString());
        var missing = Assert.Throws<QianruException>(() => spec.Resolve());
        Assert.Contains(Path.Combine(_dir, file), missing.Message);
    }

    [Fact]
    public void A_relative_folder_is_taken_against_the_base_directory_and_wins_over_a_hub_id()
    {
        var folder = Path.Combine(_dir, "BAAI", "bge-small-zh-v1.5");
        Directory.CreateDirectory(folder);
        var spec = ModelSpec.Parse("BAAI/bge-small-zh-v1.5", _dir);
        Assert.Equal(ModelSpecKind.Folder, spec.Kind);
        Assert.Equal(folder, spec.Path);
        Assert.Equal("bge-small-zh-v1.5", spec.Resolve().Id);
        Assert.Equal(folder, spec.Resolve().Source);

        // Elsewhere, or with a revision, the same text is the Hub model.
        var hub = ModelSpec.Parse("BAAI/bge-small-zh-v1.5", Path.GetTempPath());
        Assert.Equal(ModelSpecKind.Hub, hub.Kind);
        Assert.Equal("BAAI/bge-small-zh-v1.5", hub.RepoId);
        Assert.Null(hub.Revision);
        var pinned = ModelSpec.Parse("BAAI/bge-small-zh-v1.5@v1.0", _dir);
        Assert.Equal(ModelSpecKind.Hub, pinned.Kind);
        Assert.Equal("v1.0", pinned.Revision);
        Assert.Equal("BAAI/bge-small-zh-v1.5@v1.0", pinned.ToString());
    }

    [Theory]
    [InlineData("BAAI/bge-large-zh-v1.5", "BAAI/bge-large-zh-v1.5", null)]
    [InlineData("moka-ai/m3e-base@main", "moka-ai/m3e-base", "main")]
    [InlineData("org_1/Model.Name@refs/pr/3", "org_1/Model.Name", "refs/pr/3")]
    [InlineData("a/b@0123456789abcdef0123456789abcdef01234567", "a/b", "0123456789abcdef0123456789abcdef01234567")]
    public void Hub_ids_with_and_without_a_revision(string text, string repo, string? revision)
    {
        var spec = ModelSpec.Parse(text, _dir);
        Assert.Equal(ModelSpecKind.Hub, spec.Kind);
        Assert.Equal(repo, spec.RepoId);
        Assert.Equal(revision, spec.Revision);
    }

    [Theory]
    [InlineData("no-such-model")]
    [InlineData("a/b/c")]
    [InlineData("-a/b")]
    [InlineData("a--b/c")]
    [InlineData("a/b@../x")]
    [InlineData("./missing")]
    [InlineData("/no/such/folder")]
    public void Anything_else_gets_one_message_listing_what_is_accepted(string text)
    {
        var ex = Assert.Throws<QianruException>(() => ModelSpec.Parse(text, _dir));
        Assert.StartsWith($"unknown model '{text}'", ex.Message);
        foreach (var part in new[] { "minilm", "arctic-xs", "model folder", "ORG/NAME[@REVISION]", "words:FILE[#mean|#sif]" })
        {
            Assert.Contains(part, ex.Message);
        }

        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void A_file_is_refused_and_words_is_suggested()
    {
        File.WriteAllText(Path.Combine(_dir, "vectors.vec"), "1 2\na 1 2\n");
        var ex = Assert.Throws<QianruException>(() => ModelSpec.Parse("vectors.vec", _dir));
        Assert.Contains("is a file", ex.Message);
        Assert.Contains("words:vectors.vec", ex.Message);
    }

    [Fact]
    public void A_snapshot_folder_of_the_hugging_face_cache_is_named_by_its_hub_id()
    {
        var snapshot = Path.Combine(_dir, "hub", "models--BAAI--bge-small-zh-v1.5", "snapshots", new string('a', 40));
        Directory.CreateDirectory(snapshot);
        var resolved = ModelSpec.Parse(snapshot).Resolve();
        Assert.Equal(ModelSpecKind.Folder, resolved.Kind);
        Assert.Equal("BAAI/bge-small-zh-v1.5", resolved.Id);
        Assert.Equal(snapshot, resolved.Source);
    }

    [Fact]
    public void Loading_word_vectors_as_a_transformer_model_says_what_to_use()
    {
        var file = Path.Combine(_dir, "v.vec");
        File.WriteAllText(file, "1 2\na 1 2\n");
        var ex = Assert.Throws<QianruException>(() => SentenceEmbedder.Create("words:" + file));
        Assert.Contains("WordVectorSentenceEmbedder", ex.Message);
        using var words = Qianru.WordVectors.WordVectorSentenceEmbedder.Create(ModelSpec.Parse("words:v.vec#mean", _dir).Resolve());
        Assert.Equal(2, words.Dimensions);
    }

    [Fact]
    public void An_offline_hub_model_that_is_not_cached_says_how_to_pull_it()
    {
        var options = new ModelResolveOptions { Hub = new HubOptions { CacheFolder = Path.Combine(_dir, "empty"), Offline = true, Endpoint = new Uri("http://127.0.0.1:9") } };
        var ex = Assert.Throws<QianruException>(() => ModelSpec.Parse("BAAI/bge-small-zh-v1.5@v2", _dir).Resolve(options));
        Assert.Contains("not in the Hugging Face cache", ex.Message);
        Assert.Contains("HF_HUB_OFFLINE", ex.Message);
        Assert.Contains("qianru models pull BAAI/bge-small-zh-v1.5 --revision v2", ex.Message);
        Assert.DoesNotContain("model folder", ex.Message);
        Assert.False(Directory.Exists(Path.Combine(_dir, "empty")));

        // Without a revision the text may have been meant as a folder: the message says there is none.
        var typo = Assert.Throws<QianruException>(() => ModelSpec.Parse("models/my-minilm", _dir).Resolve(options));
        Assert.Contains($"nor is there a model folder {Path.Combine(_dir, "models", "my-minilm")}", typo.Message);
    }
}
