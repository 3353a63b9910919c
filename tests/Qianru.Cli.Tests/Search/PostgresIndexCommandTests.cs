using System.Diagnostics;
using System.Text.Json;
using Qianru.Cli.Tests.Support;
using Qianru.Collections;
using Qianru.Collections.PostgreSQL;
using Qianru.TestSupport;

namespace Qianru.Cli.Tests.Search;

[CollectionDefinition("PostgreSQL")]
public sealed class PostgresServerCollection : ICollectionFixture<PgliteServer>
{
}

/// <summary><c>qianru index</c> and <c>search</c> with a postgres:// URI against a real pgvector (PGlite on loopback).</summary>
[Collection("PostgreSQL")]
public sealed class PostgresIndexCommandTests(PgliteServer server) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("qianru-pgcli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] Texts =
    [
        "小明,我们公司三季度接了个大单",
        "小明,公司计划要扩招300人",
        "接口报500错误",
        "服务挂了",
        "帮我添加一个下载按钮",
        "The cat sleeps on the sofa.",
        "Stock markets fell sharply today.",
    ];

    private static void OneLine(string error)
    {
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("internal error", error);
    }

    [Fact]
    public void The_same_commands_give_the_results_of_a_SQLite_collection()
    {
        var uri = server.Uri(PgliteServer.NewCollection("cli"));
        System.IO.File.WriteAllLines(Path.Combine(_dir, "docs.txt"), Texts);
        System.IO.File.WriteAllText(Path.Combine(_dir, "more.jsonl"), "{\"text\": \"我需要新增一个新的配置\", \"id\": \"cfg\", \"metadata\": {\"team\": \"ops\"}}\n");
        foreach (var db in new[] { "c.db", uri })
        {
            var created = QianruCli.RunIn(_dir, null, "index", "create", db);
            Assert.True(created.ExitCode == 0, created.Error);
            Assert.Contains("added 7, replaced 0, skipped 0", QianruCli.RunIn(_dir, null, "index", "add", db, "--input", "docs.txt").Out);
            Assert.Contains("added 0, replaced 0, skipped 7", QianruCli.RunIn(_dir, null, "index", "add", db, "--input", "docs.txt").Out);
            Assert.Contains("added 1, replaced 0, skipped 0", QianruCli.RunIn(_dir, null, "index", "add", db, "--input", "more.jsonl").Out);
        }

        var info = QianruCli.RunIn(_dir, null, "index", "info", uri).Out;
        Assert.Matches(@"items:\s+8", info);
        Assert.Matches(@"fingerprint: sha256:[0-9a-f]{64}", info);
        Assert.Contains("none (built on demand)", info);
        Assert.DoesNotContain(PgliteServer.Password, info);
        foreach (var query in new[] { "我需要新增一个新的配置", "服务挂了", "a kitten" })
        {
            var expected = Hits(QianruCli.RunIn(_dir, null, "search", "c.db", query, "--k", "4", "--format", "jsonl", "--index", "exact").Out);
            foreach (var mode in new[] { "exact", "hnsw" })
            {
                var actual = Hits(QianruCli.RunIn(_dir, null, "search", uri, query, "--k", "4", "--format", "jsonl", "--index", mode).Out);
                Assert.Equal(expected.Select(h => (h.Id, h.Text, h.Metadata)), actual.Select(h => (h.Id, h.Text, h.Metadata)));
                Assert.All(expected.Zip(actual), p => Assert.Equal(p.First.Score, p.Second.Score, 5));
            }
        }

        Assert.Contains("hnsw index:  fresh (pgvector HNSW index", QianruCli.RunIn(_dir, null, "index", "info", uri).Out);
        Assert.Contains("indexed 8 vectors into pgvector HNSW index", QianruCli.RunIn(_dir, null, "index", "rebuild", uri).Out);
        var table = QianruCli.RunIn(_dir, null, "search", uri, "服务挂了", "--k", "2").Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^rank\s+score\s+id\s+text$", table[0]);
        Assert.Matches(@"^\s*1\s+1\.0000\d\d\s+[0-9a-f]{16}\s+服务挂了$", table[1]);
        Assert.Equal(2, QianruCli.RunIn(_dir, null, "index", "create", uri).ExitCode); // exists
    }

    [Fact]
    public void Wrong_password_and_unreachable_server_are_one_line_exit_2_without_the_password()
    {
        var name = PgliteServer.NewCollection("auth");
        Assert.Equal(0, QianruCli.RunIn(_dir, null, "index", "create", server.Uri(name)).ExitCode);
        const string Wrong = "Not-The-Password-42";
        var closedPort = FreePort();
        foreach (var (uri, expected) in new[]
        {
            (server.Uri(name, Wrong), "password authentication failed for user \"postgres\""),
            ($"postgres://postgres:{Wrong}@127.0.0.1:{closedPort}/postgres?collection={name}", $"cannot connect to PostgreSQL at 127.0.0.1:{closedPort}"),
        })
        {
            foreach (var args in new[] { new[] { "index", "info", uri }, ["search", uri, "x"], ["index", "create", uri] })
            {
                var (code, output, error) = QianruCli.RunIn(_dir, null, args);
                Assert.Equal(2, code);
                OneLine(error);
                Assert.Contains(expected, error);
                Assert.DoesNotContain(Wrong, error + output);
            }
        }

        // The password from PGPASSWORD, as a separate process sees it.
        var start = Cli("index", "info", server.UriWithoutPassword(name));
        start.Environment["PGPASSWORD"] = Wrong;
        var denied = Run(start);
        Assert.Equal(2, denied.ExitCode);
        OneLine(denied.Error);
        Assert.DoesNotContain(Wrong, denied.Error + denied.Out);
        start.Environment["PGPASSWORD"] = PgliteServer.Password;
        Assert.Equal(0, Run(start).ExitCode);
    }

    [Fact]
    public async Task Two_concurrent_index_add_processes_with_overlapping_texts_both_succeed_and_store_every_id_once()
    {
        var uri = server.Uri(PgliteServer.NewCollection("race"));
        Assert.Equal(0, QianruCli.RunIn(_dir, null, "index", "create", uri).ExitCode);
        var lines = Enumerable.Range(0, 240).Select(i => $"第{i}条:服务{i % 7}在{i % 13}点报错").ToArray();
        System.IO.File.WriteAllLines(Path.Combine(_dir, "a.txt"), lines[..160]);
        System.IO.File.WriteAllLines(Path.Combine(_dir, "b.txt"), lines[80..]);
        var results = await Task.WhenAll(
            Task.Run(() => Run(Cli("index", "add", uri, "--input", Path.Combine(_dir, "a.txt"), "--batch-size", "8"))),
            Task.Run(() => Run(Cli("index", "add", uri, "--input", Path.Combine(_dir, "b.txt"), "--batch-size", "8"))));
        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.Error));
        using var collection = PostgresCollection.Open(uri);
        Assert.Equal(240, collection.Count);
        var ids = collection.Search(new float[384].Select((_, i) => i % 3 - 1f).ToArray(), 1000, CollectionIndexMode.Exact).Select(h => h.Id).ToList();
        Assert.Equal(lines.Select(VectorCollection.IdForText).Order(), ids.Order());
    }

    [Fact]
    public void Kill_9_during_index_add_leaves_every_committed_batch_and_no_partial_one()
    {
        const int Total = 400, Batch = 4;
        var uri = server.Uri(PgliteServer.NewCollection("kill"));
        var lines = Enumerable.Range(0, Total).Select(i => $"第{i}条文本:服务{i % 7}在{i % 13}点报错,编号{i}").ToArray();
        System.IO.File.WriteAllLines(Path.Combine(_dir, "in.txt"), lines);
        Assert.Equal(0, QianruCli.RunIn(_dir, null, "index", "create", uri).ExitCode);

        // As the SQLite test does: ingest in the background, wait for three committed batches, kill -9.
        var cli = Path.Combine(AppContext.BaseDirectory, "Qianru.Cli.dll");
        const string Script = """
            dotnet "$1" index add "$4" --input in.txt --batch-size "$2" >/dev/null 2>&1 &
            pid=$!
            i=0
            while [ $i -lt 600 ]; do
              n=$(dotnet "$1" index info "$4" | awk '/^items:/ {print $2}')
              if [ "${n:-0}" -ge "$3" ]; then break; fi
              if ! kill -0 $pid 2>/dev/null; then echo "finished-early"; exit 3; fi
              i=$((i+1))
            done
            kill -9 $pid
            wait $pid
            echo "exit=$?"
            """;
        var start = new ProcessStartInfo("/bin/sh") { WorkingDirectory = _dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-c", Script, "sh", cli, Batch.ToString(), (3 * Batch).ToString(), uri })
        {
            start.ArgumentList.Add(arg);
        }

        using (var shell = Process.Start(start)!)
        {
            var report = shell.StandardOutput.ReadToEnd();
            shell.WaitForExit();
            Assert.True(shell.ExitCode == 0, report + shell.StandardError.ReadToEnd());
            Assert.Equal("exit=137", report.Trim());
        }

        long afterKill;
        using (var collection = PostgresCollection.Open(uri))
        {
            afterKill = collection.Count;
            Assert.InRange(afterKill, 3 * Batch, Total - 1);
            Assert.Equal(0, afterKill % Batch); // whole batches only
            var ids = collection.Search(new float[384].Select((_, i) => i % 3 - 1f).ToArray(), (int)afterKill + 10, CollectionIndexMode.Exact).Select(h => h.Id).ToList();
            Assert.Equal(afterKill, ids.Count); // the stored count is the rows
            Assert.Equal(lines.Take((int)afterKill).Select(VectorCollection.IdForText).Order(), ids.Order());
        }

        var (code, output, error) = QianruCli.RunIn(_dir, null, "index", "add", uri, "--input", "in.txt", "--batch-size", "64");
        Assert.True(code == 0, error);
        Assert.Contains($"added {Total - afterKill}, replaced 0, skipped {afterKill}", output);
    }

    private static List<(string Id, float Score, string? Text, string? Metadata)> Hits(string jsonl) =>
        [.. jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            var row = JsonDocument.Parse(line).RootElement;
            var metadata = row.GetProperty("metadata");
            return (row.GetProperty("id").GetString()!, row.GetProperty("score").GetSingle(), row.GetProperty("text").GetString(),
                metadata.ValueKind == JsonValueKind.Null ? null : JsonSerializer.Serialize(metadata));
        })];

    private static ProcessStartInfo Cli(params string[] args) => QianruCli.StartInfo(null, null, args);

    private static QianruCli.Result Run(ProcessStartInfo start) => QianruCli.RunProcess(start, null, TimeSpan.FromMinutes(5));

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
