using System.Globalization;
using System.Text.Json;
using Qianru.Cli.Demo;
using Qianru.Cli.Tests.Support;
using Qianru.Similarity;
using Qianru.Tests.Support;

namespace Qianru.Cli.Tests.Hub;

/// <summary>
/// <c>qianru models pull</c> and Hugging Face ids in <c>--model</c>, against a Hub on loopback (<see cref="TestHub"/>):
/// output, exit codes, the cache listing, the demo in Chinese from a Hub id, collections that record the Hub id.
/// </summary>
public sealed class HubCommandTests : IAsyncLifetime
{
    private readonly string _dir = QianruCli.TempDir();
    private TestHub _hub = null!;

    public async Task InitializeAsync() => _hub = await TestHub.StartAsync();

    public async Task DisposeAsync()
    {
        await _hub.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private Dictionary<string, string?> Env(bool offline = false, string? token = null) => new()
    {
        ["HF_HUB_CACHE"] = Path.Combine(_dir, "hf"),
        ["HF_ENDPOINT"] = offline ? "http://127.0.0.1:9" : _hub.Endpoint.ToString(),
        ["HF_HUB_OFFLINE"] = offline ? "1" : null,
        ["HF_TOKEN"] = token,
    };

    private QianruCli.Result Run(Dictionary<string, string?> env, params string[] args) => QianruCli.RunWith(env, _dir, null, args);

    private string ServeSmall(string repo, string? token = null) => _hub.AddCommit(repo, new Dictionary<string, byte[]>
    {
        ["config.json"] = "{\"model_type\": \"bert\", \"hidden_size\": 8}"u8.ToArray(),
        ["vocab.txt"] = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n"u8.ToArray(),
        ["model.safetensors"] = new byte[300_000],
        ["tf_model.h5"] = new byte[1000],
    }, token: token);

    /// <summary>The lines of stderr that are not download progress.</summary>
    private static string[] Errors(QianruCli.Result result) =>
        [.. result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("qianru: downloading ", StringComparison.Ordinal))];

    [Fact]
    public void Pull_prints_the_commit_and_snapshot_and_a_second_pull_downloads_nothing()
    {
        var commit = ServeSmall("test-org/small");
        var first = Run(Env(), "models", "pull", "test-org/small");
        Assert.True(first.ExitCode == 0, first.Error);
        var snapshot = Path.Combine(_dir, "hf", "models--test-org--small", "snapshots", commit);
        Assert.Equal(
            [$"test-org/small@main: commit {commit}, 3 files (300.1 kB); downloaded 3 (300.1 kB)", $"snapshot: {snapshot}"],
            first.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(
            ["qianru: downloading test-org/small: config.json (40 B)", "qianru: downloading test-org/small: vocab.txt (24 B)", "qianru: downloading test-org/small: model.safetensors (300.0 kB)"],
            first.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var second = Run(Env(), "models", "pull", $"test-org/small@{commit}");
        Assert.True(second.ExitCode == 0, second.Error);
        Assert.StartsWith($"test-org/small@{commit}: commit {commit}, 3 files (300.1 kB); all were cached", second.Out);
        Assert.Equal("", second.Error);

        var list = Run(Env(), "models");
        Assert.Contains($"Hugging Face cache {Path.Combine(_dir, "hf")}:", list.Out);
        Assert.Contains($"test-org/small\tmain\t{commit[..10]}\tsafetensors\t300.1 kB\t{snapshot}", list.Out);
        using var json = JsonDocument.Parse(Run(Env(), "models", "--format", "json").Out);
        var cached = json.RootElement.EnumerateArray().Single(e => e.GetProperty("id").GetString() == "test-org/small");
        Assert.Equal(commit, cached.GetProperty("hub_commit").GetString());
        Assert.Equal(snapshot, cached.GetProperty("source").GetString());

        Assert.Contains("no models yet", QianruCli.Run("models").Out);
    }

    [Fact]
    public void Pull_errors_are_one_line_with_exit_code_2()
    {
        ServeSmall("test-org/private", token: "hf_secret");
        ServeSmall("test-org/corrupt");
        _hub.Corrupt("model.safetensors");

        (string[] Args, Dictionary<string, string?> Env, string Says)[] cases =
        [
            (["models", "pull", "test-org/nope"], Env(), "test-org/nope: no such model"),
            (["models", "pull", "test-org/private"], Env(), "set HF_TOKEN"),
            (["models", "pull", "test-org/private", "--revision", "v9"], Env(token: "hf_secret"), "revision 'v9' not found"),
            (["models", "pull", "test-org/private@main", "--revision", "main"], Env(), "not both"),
            (["models", "pull", "test-org/private"], Env(offline: true), "HF_HUB_OFFLINE"),
            (["models", "pull", "test-org/private"], new Dictionary<string, string?> { ["HF_HUB_CACHE"] = Path.Combine(_dir, "hf") }, "could not reach the Hugging Face Hub at http://127.0.0.1:9"),
            (["models", "pull", "not/a/repo"], Env(), "not a Hugging Face model id"),
            (["models", "pull", "test-org/corrupt"], Env(), "model.safetensors is corrupt"),
            (["embed", "--model", "test-org/uncached", "x"], Env(offline: true), "qianru models pull test-org/uncached"),
            (["serve", "--model", "test-org/uncached", "--port", "0"], Env(offline: true), "qianru models pull test-org/uncached"),
        ];
        foreach (var (args, env, says) in cases)
        {
            var result = Run(env, args);
            Assert.True(result.ExitCode == 2, $"{string.Join(' ', args)}: exit {result.ExitCode}, {result.Error}");
            var line = Assert.Single(Errors(result));
            Assert.StartsWith("qianru: ", line);
            Assert.Contains(says, line);
            Assert.Equal("", result.Out);
        }

        Assert.Empty(Directory.GetFiles(Path.Combine(_dir, "hf"), "*.incomplete", SearchOption.AllDirectories));
    }

    [Fact]
    public void The_demo_runs_in_chinese_from_a_hub_id_and_embed_then_works_offline()
    {
        // A folder laid out like BAAI/bge-small-zh-v1.5 (CLS pooling, normalized), built from the embedded MiniLM.
        var folder = ModelFolders.Create(new ModelFolders.Spec { Pooling = "cls", MaxSeqLength = 512, OnnxInSubfolder = true });
        _hub.AddCommit("BAAI/bge-small-zh-v1.5", folder);
        var demo = Run(Env(), "demo", "--model", "BAAI/bge-small-zh-v1.5");
        Assert.True(demo.ExitCode == 0, demo.Error);
        Assert.Contains("qianru: downloading BAAI/bge-small-zh-v1.5: onnx/model.onnx", demo.Error);
        Assert.StartsWith("Qianru demo — model BAAI/bge-small-zh-v1.5: BAAI/bge-small-zh-v1.5 (Hugging Face, commit ", demo.Out);
        Assert.Contains($"query instruction: \"{SeedExamples.BgeChineseQueryInstruction}\"", demo.Out);

        using var bge = SentenceEmbedder.Create(folder);
        Assert.Equal(Qianru.Models.PoolingMode.Cls, bge.Model.Pooling);
        var query = bge.Embed(SeedExamples.LocalQuery, new EmbedOptions { Normalize = true, Prompt = SeedExamples.BgeChineseQueryInstruction });
        var documents = bge.EmbedBatch(SeedExamples.LocalDocuments, new EmbedOptions { Normalize = true });
        var lines = demo.Out.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var at = lines.FindLastIndex(l => l.StartsWith("Cosine distance:", StringComparison.Ordinal));
        for (var i = 0; i < documents.Length; i++)
        {
            Assert.InRange(float.Parse(lines[at + 2 + i].Split('\t')[0], CultureInfo.InvariantCulture) - VectorSimilarity.Cosine(query, documents[i]), -1e-5f, 1e-5f);
        }

        // Offline, with no Hub: the cached model embeds, with the folder's vectors.
        var embed = Run(Env(offline: true), "embed", "--model", "BAAI/bge-small-zh-v1.5", "--format", "jsonl", "前瞻性");
        Assert.True(embed.ExitCode == 0, embed.Error);
        using var doc = JsonDocument.Parse(embed.Out.Split('\n')[0]);
        var vector = doc.RootElement.GetProperty("embedding").EnumerateArray().Select(x => x.GetSingle()).ToArray();
        Assert.True(Golden.Cosine(vector, bge.Embed("前瞻性")) >= 0.9999);
        var show = Run(Env(offline: true), "models", "--show", "BAAI/bge-small-zh-v1.5");
        Assert.Contains("BAAI/bge-small-zh-v1.5\t384\t512\tcls\tyes", show.Out);
    }

    [Fact]
    public void A_collection_records_the_hub_id_and_commit_and_reopens_it_offline()
    {
        var commit = _hub.AddCommit("test-org/minilm", ModelFolders.Create(new ModelFolders.Spec()));
        var create = Run(Env(), "index", "create", "c.db", "--model", "test-org/minilm");
        Assert.True(create.ExitCode == 0, create.Error);
        var info = Run(Env(), "index", "info", "c.db");
        Assert.Contains("model:       test-org/minilm", info.Out);
        Assert.Contains($"loaded from: test-org/minilm@{commit}", info.Out);

        File.WriteAllLines(Path.Combine(_dir, "docs.txt"), ["The cat sleeps on the sofa.", "Stock markets fell sharply today."]);
        var add = Run(Env(offline: true), "index", "add", "c.db", "--input", "docs.txt");
        Assert.True(add.ExitCode == 0, add.Error);
        var search = Run(Env(offline: true), "search", "c.db", "a kitten napping", "--k", "1");
        Assert.True(search.ExitCode == 0, search.Error);
        Assert.Contains("The cat sleeps on the sofa.", search.Out);
    }
}
