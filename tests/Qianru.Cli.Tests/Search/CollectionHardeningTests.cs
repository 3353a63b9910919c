using System.Diagnostics;
using System.Text.Json;
using Qianru.Cli.Infrastructure;
using Qianru.Cli.Search;
using Qianru.Cli.Tests.Support;
using Qianru.Collections;
using Qianru.IO;
using Qianru.Models;
using Qianru.TestSupport;

namespace Qianru.Cli.Tests.Search;

/// <summary>Issue #17's collection cases at the command line: concurrent writers, conflicts, model fingerprints, a damaged HNSW cache, read-only collections and number ranges.</summary>
public sealed class CollectionHardeningTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("qianru-harden-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string File(string name) => Path.Combine(_dir, name);

    private static string[] Lines(int from, int count) => [.. Enumerable.Range(from, count).Select(i => $"第{i}条:服务{i % 7}在{i % 13}点报错")];

    private static void OneLine(string error)
    {
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("internal error", error);
        Assert.StartsWith("qianru: ", error);
    }

    [Fact]
    public async Task Two_concurrent_index_add_processes_with_overlapping_texts_both_succeed_and_store_every_id_once()
    {
        Assert.Equal(0, QianruCli.RunIn(_dir, null, "index", "create", "c.db").ExitCode);
        System.IO.File.WriteAllLines(File("a.txt"), Lines(0, 300));
        System.IO.File.WriteAllLines(File("b.txt"), Lines(150, 300));
        var first = Task.Run(() => QianruCli.RunProcess(null, "index", "add", File("c.db"), "--input", File("a.txt"), "--batch-size", "8"));
        var second = Task.Run(() => QianruCli.RunProcess(null, "index", "add", File("c.db"), "--input", File("b.txt"), "--batch-size", "8"));
        var results = await Task.WhenAll(first, second);
        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.Error));
        using var collection = VectorCollection.Open(File("c.db"));
        Assert.Equal(450, collection.Count);
        var ids = collection.Search(new float[384], 1000, CollectionIndexMode.Exact).Select(h => h.Id).ToList();
        Assert.Equal(Lines(0, 450).Select(VectorCollection.IdForText).Order(), ids.Order());
    }

    [Fact]
    public void Re_adding_an_id_with_new_text_replaces_skips_or_stops_per_on_conflict()
    {
        Assert.Equal(0, QianruCli.RunIn(_dir, null, "index", "create", "c.db").ExitCode);
        System.IO.File.WriteAllText(File("v1.jsonl"), "{\"id\": \"doc\", \"text\": \"The cat sleeps.\"}\n");
        System.IO.File.WriteAllText(File("v2.jsonl"), "{\"id\": \"doc\", \"text\": \"Stock markets fell.\", \"metadata\": {\"v\": 2}}\n");
        System.IO.File.WriteAllText(File("v3.jsonl"), "{\"id\": \"doc\", \"text\": \"Bread is baked.\"}\n");
        Assert.Contains("added 1, replaced 0, skipped 0", QianruCli.RunIn(_dir, null, "index", "add", "c.db", "--input", "v1.jsonl").Out);
        Assert.Contains("added 0, replaced 1, skipped 0", QianruCli.RunIn(_dir, null, "index", "add", "c.db", "--input", "v2.jsonl").Out);
        string Top() => JsonDocument.Parse(QianruCli.RunIn(_dir, null, "search", "c.db", "finance", "--k", "1", "--format", "jsonl").Out).RootElement.GetProperty("text").GetString()!;
        Assert.Equal("Stock markets fell.", Top());
        Assert.Contains("added 0, replaced 0, skipped 1", QianruCli.RunIn(_dir, null, "index", "add", "c.db", "--input", "v3.jsonl", "--on-conflict", "skip").Out);
        Assert.Equal("Stock markets fell.", Top());
        var (code, _, error) = QianruCli.RunIn(_dir, null, "index", "add", "c.db", "--input", "v3.jsonl", "--on-conflict", "error");
        Assert.Equal(2, code);
        OneLine(error);
        Assert.Contains("item 'doc' is already in", error);
        Assert.Contains(File("c.db"), error);
        Assert.Contains("added 0, replaced 0, skipped 1", QianruCli.RunIn(_dir, null, "index", "add", "c.db", "--input", "v2.jsonl", "--on-conflict", "error").Out);
        Assert.Equal(2, QianruCli.RunIn(_dir, null, "index", "add", "c.db", "--input", "v3.jsonl", "--on-conflict", "later").ExitCode);
    }

    [Fact]
    public void A_folder_named_minilm_holding_arctic_xs_is_refused_for_a_minilm_collection_in_one_line()
    {
        Assert.Equal(0, QianruCli.RunIn(_dir, null, "index", "create", "c.db").ExitCode);
        Assert.Matches(@"fingerprint: sha256:[0-9a-f]{64}", QianruCli.RunIn(_dir, null, "index", "info", "c.db").Out);
        ArcticFolder(File("minilm"));
        System.IO.File.WriteAllLines(File("docs.txt"), ["The cat sleeps on the sofa."]);
        foreach (var args in new[] { new[] { "index", "add", "c.db", "--input", "docs.txt", "--model", "./minilm" }, ["search", "c.db", "a cat", "--model", "./minilm"] })
        {
            var (code, output, error) = QianruCli.RunIn(_dir, null, args);
            Assert.Equal(2, code);
            OneLine(error);
            Assert.Contains("holds vectors of model 'minilm'", error);
            Assert.Contains("other weights or another tokenizer", error);
            Assert.Equal("", output);
        }

        Assert.Matches(@"items:\s+0", QianruCli.RunIn(_dir, null, "index", "info", "c.db").Out);
    }

    [Fact]
    public void A_corrupted_HNSW_cache_is_reported_damaged_never_searched_and_rebuilt()
    {
        Assert.Equal(0, QianruCli.RunIn(_dir, null, "index", "create", "c.db").ExitCode);
        System.IO.File.WriteAllLines(File("docs.txt"), Lines(0, 200));
        Assert.Equal(0, QianruCli.RunIn(_dir, null, "index", "add", "c.db", "--input", "docs.txt").ExitCode);
        string Search(string mode) => QianruCli.RunIn(_dir, null, "search", "c.db", "服务3在5点报错", "--k", "5", "--index", mode, "--format", "jsonl").Out;
        // The same neighbours; scores differ in the last digits (the HNSW hits are rescored pair by pair).
        string Ids(string jsonl) => string.Join(',', jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()));
        var exact = Ids(Search("exact"));
        Assert.Equal(exact, Ids(Search("hnsw")));
        var bytes = System.IO.File.ReadAllBytes(File("c.db.hnsw"));
        new Random(1).NextBytes(bytes.AsSpan(bytes.Length / 2, 2048));
        System.IO.File.WriteAllBytes(File("c.db.hnsw"), bytes);
        Assert.Contains("damaged: checksum mismatch (rebuilt on demand)", QianruCli.RunIn(_dir, null, "index", "info", "c.db").Out);
        Assert.Equal(exact, Ids(Search("hnsw")));
        Assert.Contains("hnsw index:  fresh", QianruCli.RunIn(_dir, null, "index", "info", "c.db").Out);
    }

    [Fact]
    public void A_read_only_collection_file_and_folder_can_be_searched_and_writes_fail_with_one_line_naming_the_file()
    {
        var folder = File("ro");
        Directory.CreateDirectory(folder);
        var db = Path.Combine(folder, "c.db");
        Assert.Equal(0, QianruCli.RunIn(_dir, null, "index", "create", "ro/c.db").ExitCode);
        System.IO.File.WriteAllLines(File("docs.txt"), Lines(0, 20));
        System.IO.File.WriteAllLines(File("more.txt"), Lines(100, 2));
        Assert.Equal(0, QianruCli.RunIn(_dir, null, "index", "add", "ro/c.db", "--input", "docs.txt").ExitCode);
        var expected = QianruCli.RunIn(_dir, null, "search", "ro/c.db", "服务3在5点报错", "--k", "3");
        Assert.Equal(0, expected.ExitCode);

        // A read-only search leaves the WAL's files behind; a writer's close removes them, leaving the folder with c.db alone.
        System.IO.File.WriteAllText(File("none.txt"), "");
        Assert.Equal(0, QianruCli.RunIn(_dir, null, "index", "add", "ro/c.db", "--input", "none.txt").ExitCode);
        Assert.Equal([db], Directory.GetFiles(folder));
        foreach (var target in new[] { folder, db })
        {
            using (new ReadOnlyPath(target))
            {
                foreach (var mode in new[] { "exact", "hnsw" })
                {
                    var search = QianruCli.RunIn(_dir, null, "search", "ro/c.db", "服务3在5点报错", "--k", "3", "--index", mode);
                    Assert.True(search.ExitCode == 0, search.Error);
                    Assert.Equal(expected.Out, search.Out);
                }

                Assert.Matches(@"items:\s+20", QianruCli.RunIn(_dir, null, "index", "info", "ro/c.db").Out);
                var add = QianruCli.RunIn(_dir, null, "index", "add", "ro/c.db", "--input", "more.txt");
                Assert.Equal(2, add.ExitCode);
                OneLine(add.Error);
                Assert.Contains(db, add.Error);
                Assert.Contains("read-only", add.Error);
            }
        }

        Assert.Contains("added 2", QianruCli.RunIn(_dir, null, "index", "add", "ro/c.db", "--input", "more.txt").Out);
    }

    [Theory]
    [InlineData("--k", "100000000", "--index", "hnsw")]
    [InlineData("--k", "2147483647")]
    [InlineData("--k", "0")]
    [InlineData("--ef", "0", "--index", "hnsw")]
    [InlineData("--ef", "10001", "--index", "hnsw")]
    [InlineData("--ef-construction", "2147483647", "--index", "hnsw")]
    [InlineData("--m", "1", "--index", "hnsw")]
    [InlineData("--rescore", "-1", "--index", "int8")]
    public void Knn_numbers_out_of_range_are_refused_before_anything_is_allocated(params string[] options)
    {
        VectorFile.Write(File("base.npy"), [[1f, 0f], [0f, 1f]]);
        var before = GC.GetTotalAllocatedBytes();
        var (code, output, error) = QianruCli.RunIn(_dir, null, ["knn", "--base", "base.npy", "--queries", "base.npy", .. options]);
        Assert.Equal(2, code);
        OneLine(error);
        Assert.Contains(options[0] + " " + options[1] + ": out of range; must be", error);
        Assert.Equal("", output);
        Assert.True(GC.GetTotalAllocatedBytes() - before < 200_000_000);
    }

    [Fact]
    public void Search_and_add_numbers_out_of_range_are_refused_and_knn_bounds_queries_times_k()
    {
        Assert.Equal(0, QianruCli.RunIn(_dir, null, "index", "create", "c.db").ExitCode);
        foreach (var args in new[]
        {
            new[] { "search", "c.db", "q", "--k", "2147483647" },
            ["search", "c.db", "q", "--k", "10001"],
            ["search", "c.db", "q", "--ef", "0"],
            ["index", "add", "c.db", "--input", "-", "--batch-size", "2147483647"],
        })
        {
            var (code, _, error) = QianruCli.RunIn(_dir, null, args);
            Assert.Equal(2, code);
            OneLine(error);
            Assert.Contains(": out of range; must be", error);
        }

        SearchLimits.CheckHits(5000, 10_000, 10_000); // 50 million: allowed
        Assert.Contains("lower --k or split the queries", Assert.Throws<CliUsageException>(() => SearchLimits.CheckHits(5001, 10_000, 10_000)).Message);
        SearchLimits.CheckHits(1_000_000, 10_000, 40); // k beyond the corpus counts as the corpus
    }

    /// <summary>A sentence-transformers folder holding snowflake-arctic-embed-xs (CLS pooling, normalized).</summary>
    private static void ArcticFolder(string dir)
    {
        Directory.CreateDirectory(Path.Combine(dir, "1_Pooling"));
        System.IO.File.WriteAllBytes(Path.Combine(dir, "model.onnx"), EmbeddedModels.ReadOnnx(EmbeddedModels.ArcticXs));
        System.IO.File.WriteAllBytes(Path.Combine(dir, "vocab.txt"), EmbeddedModels.ReadVocabulary(EmbeddedModels.ArcticXs));
        System.IO.File.WriteAllText(Path.Combine(dir, "config.json"), "{\"model_type\": \"bert\", \"hidden_size\": 384, \"max_position_embeddings\": 512}");
        System.IO.File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), "{\"tokenizer_class\": \"BertTokenizer\", \"do_lower_case\": true}");
        System.IO.File.WriteAllText(Path.Combine(dir, "modules.json"), """
            [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
             {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
             {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]
            """);
        System.IO.File.WriteAllText(Path.Combine(dir, "1_Pooling", "config.json"), "{\"word_embedding_dimension\": 384, \"pooling_mode_cls_token\": true}");
    }
}
