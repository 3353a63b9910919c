using System.Diagnostics;
using System.Text.Json;
using Qianru.Collections;

namespace Qianru.Cli.Tests.Search;

public sealed class IndexCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("qianru-index-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] Texts =
    [
        "小明,我们公司三季度接了个大单",
        "小明,公司计划要扩招300人",
        "接口报500错误",
        "服务挂了",
        "帮我添加一个下载按钮",
    ];

    [Fact]
    public void Create_add_info_search_and_rebuild()
    {
        Assert.Equal(0, QianruCli.RunIn(_dir, null, "index", "create", "c.db").ExitCode);
        File.WriteAllLines(Path.Combine(_dir, "docs.txt"), Texts);
        File.WriteAllText(Path.Combine(_dir, "more.jsonl"), "{\"text\": \"我需要新增一个新的配置\", \"id\": \"cfg\", \"metadata\": {\"team\": \"ops\"}}\n");
        var (code, output, error) = QianruCli.RunIn(_dir, null, "index", "add", "c.db", "--input", "docs.txt");
        Assert.True(code == 0, error);
        Assert.Contains("added 5, replaced 0, skipped 0", output);
        Assert.Contains("added 0, replaced 0, skipped 5", QianruCli.RunIn(_dir, null, "index", "add", "c.db", "--input", "docs.txt").Out);
        Assert.Contains("added 1, replaced 0, skipped 0", QianruCli.RunIn(_dir, null, "index", "add", "c.db", "--input", "more.jsonl").Out);

        var info = QianruCli.RunIn(_dir, null, "index", "info", "c.db").Out;
        Assert.Matches(@"model:\s+minilm", info);
        Assert.Matches(@"dimensions:\s+384", info);
        Assert.Matches(@"items:\s+6", info);
        Assert.Contains("none (built on demand)", info);

        // An indexed text is its own nearest neighbour; metadata comes back as JSON.
        foreach (var mode in new[] { "exact", "hnsw" })
        {
            var lines = QianruCli.RunIn(_dir, null, "search", "c.db", "我需要新增一个新的配置", "--k", "3", "--format", "jsonl", "--index", mode).Out
                .Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(3, lines.Length);
            var top = JsonDocument.Parse(lines[0]).RootElement;
            Assert.Equal("cfg", top.GetProperty("id").GetString());
            Assert.Equal("ops", top.GetProperty("metadata").GetProperty("team").GetString());
            Assert.True(top.GetProperty("score").GetSingle() > 0.99f);
        }

        Assert.Contains("fresh", QianruCli.RunIn(_dir, null, "index", "info", "c.db").Out);
        File.WriteAllLines(Path.Combine(_dir, "extra.txt"), ["这个可以取消不用做了"]);
        QianruCli.RunIn(_dir, null, "index", "add", "c.db", "--input", "extra.txt");
        Assert.Contains("stale", QianruCli.RunIn(_dir, null, "index", "info", "c.db").Out);
        Assert.Contains("indexed 7 vectors", QianruCli.RunIn(_dir, null, "index", "rebuild", "c.db").Out);
        var table = QianruCli.RunIn(_dir, null, "search", "c.db", "服务挂了", "--k", "2").Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^rank\s+score\s+id\s+text$", table[0]);
        Assert.Matches(@"^\s*1\s+1\.0000\d\d\s+[0-9a-f]{16}\s+服务挂了$", table[1]);
    }

    [Fact]
    public void A_collection_of_a_model_folder_reopens_it_without_model_and_names_it_when_moved()
    {
        var folder = Path.Combine(_dir, "models", "my-minilm");
        Qianru.Quantization.ModelQuantizer.QuantizeModel("minilm", folder);
        Assert.Equal(0, QianruCli.RunIn(_dir, null, "index", "create", "c.db", "--model", "models/my-minilm").ExitCode);
        var info = QianruCli.RunIn(_dir, null, "index", "info", "c.db");
        Assert.Contains("model:       my-minilm", info.Out);
        Assert.Contains($"loaded from: {folder}", info.Out);

        File.WriteAllLines(Path.Combine(_dir, "docs.txt"), ["The cat sleeps on the sofa.", "Stock markets fell sharply today."]);
        var add = QianruCli.RunIn(_dir, null, "index", "add", "c.db", "--input", "docs.txt");
        Assert.True(add.ExitCode == 0, add.Error);
        var search = QianruCli.RunIn(_dir, null, "search", "c.db", "a kitten napping", "--k", "1", "--format", "jsonl");
        Assert.True(search.ExitCode == 0, search.Error);
        Assert.Contains("The cat sleeps on the sofa.", search.Out);

        Directory.CreateDirectory(Path.Combine(_dir, "elsewhere"));
        Directory.Move(folder, Path.Combine(_dir, "elsewhere", "my-minilm"));
        var lost = QianruCli.RunIn(_dir, null, "search", "c.db", "a kitten napping");
        Assert.Equal(2, lost.ExitCode);
        Assert.Contains(folder, lost.Error);
        Assert.Contains("--model", lost.Error);
        var found = QianruCli.RunIn(_dir, null, "search", "c.db", "a kitten napping", "--k", "1", "--model", "elsewhere/my-minilm", "--format", "jsonl");
        Assert.True(found.ExitCode == 0, found.Error);
        Assert.Contains("The cat sleeps on the sofa.", found.Out);
    }

    [Fact]
    public void Another_model_and_bad_input_are_refused()
    {
        Assert.Equal(0, QianruCli.RunIn(_dir, null, "index", "create", "c.db", "--model", "arctic-xs").ExitCode);
        File.WriteAllLines(Path.Combine(_dir, "docs.txt"), Texts);
        var (code, _, error) = QianruCli.RunIn(_dir, null, "index", "add", "c.db", "--input", "docs.txt", "--model", "minilm");
        Assert.Equal(2, code);
        Assert.Contains("the model 'minilm' given has other weights or another tokenizer", error);
        Assert.Contains("refused", error);
        File.WriteAllText(Path.Combine(_dir, "bad.jsonl"), "{\"text\": \"ok\"}\n{\"id\": 3}\n");
        (code, _, error) = QianruCli.RunIn(_dir, null, "index", "add", "c.db", "--input", "bad.jsonl");
        Assert.Equal(2, code);
        Assert.Contains("line 2", error);
        Assert.Equal(2, QianruCli.RunIn(_dir, null, "index", "create", "c.db").ExitCode);
        Assert.Equal(2, QianruCli.RunIn(_dir, null, "search", "missing.db", "x").ExitCode);
    }

    [Fact]
    public void Kill_9_during_ingestion_loses_no_committed_row_and_rerun_resumes_without_duplicates()
    {
        const int Total = 1000, Batch = 4;
        var lines = Enumerable.Range(0, Total).Select(i => $"第{i}条文本:服务{i % 7}在{i % 13}点报错,编号{i}").ToArray();
        File.WriteAllLines(Path.Combine(_dir, "in.txt"), lines);
        var db = Path.Combine(_dir, "c.db");
        Assert.Equal(0, QianruCli.RunIn(_dir, null, "index", "create", "c.db").ExitCode);

        // A shell starts the CLI ingesting in the background, waits until at least three batches are committed
        // (polling with `qianru index info`), then kill -9s it: the kill lands at an arbitrary point of a batch.
        var cli = Path.Combine(AppContext.BaseDirectory, "Qianru.Cli.dll");
        const string Script = """
            dotnet "$1" index add c.db --input in.txt --batch-size "$2" >/dev/null 2>&1 &
            pid=$!
            i=0
            while [ $i -lt 600 ]; do
              n=$(dotnet "$1" index info c.db | awk '/^items:/ {print $2}')
              if [ "${n:-0}" -ge "$3" ]; then break; fi
              if ! kill -0 $pid 2>/dev/null; then echo "finished-early"; exit 3; fi
              i=$((i+1))
            done
            kill -9 $pid
            wait $pid
            echo "exit=$?"
            """;
        var start = new ProcessStartInfo("/bin/sh") { WorkingDirectory = _dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-c", Script, "sh", cli, Batch.ToString(), (3 * Batch).ToString() })
        {
            start.ArgumentList.Add(arg);
        }

        using (var shell = Process.Start(start)!)
        {
            var report = shell.StandardOutput.ReadToEnd();
            shell.WaitForExit();
            Assert.True(shell.ExitCode == 0, report + shell.StandardError.ReadToEnd());
            Assert.Equal("exit=137", report.Trim()); // killed by SIGKILL (128 + 9)
        }

        long afterKill;
        using (var collection = VectorCollection.Open(db))
        {
            afterKill = collection.Count;
            Assert.InRange(afterKill, 3 * Batch, Total - 1);
            Assert.Equal(0, afterKill % Batch); // whole batches only: each batch is one transaction
            var ids = collection.Search(new float[384], (int)afterKill, CollectionIndexMode.Exact).Select(h => h.Id).ToHashSet();
            Assert.Equal(lines.Take((int)afterKill).Select(VectorCollection.IdForText).ToHashSet(), ids);
        }

        var (code, output, error) = QianruCli.RunIn(_dir, null, "index", "add", "c.db", "--input", "in.txt", "--batch-size", "64");
        Assert.True(code == 0, error);
        Assert.Contains($"added {Total - afterKill}, replaced 0, skipped {afterKill}", output);
        using (var collection = VectorCollection.Open(db))
        {
            Assert.Equal(Total, collection.Count);
            var ids = collection.Search(new float[384], Total, CollectionIndexMode.Exact).Select(h => h.Id).ToList();
            Assert.Equal(Total, ids.Distinct().Count());
            Assert.Equal(lines.Select(VectorCollection.IdForText).ToHashSet(), ids.ToHashSet());
        }
    }
}
