using System.Globalization;
using System.Text;
using System.Text.Json;
using Qianru.Cli.Tests.Support;

namespace Qianru.Cli.Tests.Embedding;

/// <summary>
/// <c>qianru embed</c> streams in windows: <c>--shard I/N</c> outputs put one after another are the unsharded
/// output byte for byte, and <c>--resume</c> after a real SIGKILL (or a cut last row) gives the file an
/// uninterrupted run writes.
/// </summary>
public sealed class EmbedStreamingTests
{
    private const string Window = "40";

    private static readonly string[] Words = "the king queen man woman paris france city river mountain 北京 上海 学习 模型 向量 embedding search cluster".Split(' ');

    private static string Texts(int count, int seed)
    {
        var random = new Random(seed);
        return string.Concat(Enumerable.Range(0, count).Select(_ => string.Join(' ', Enumerable.Range(0, 1 + random.Next(12)).Select(_ => Words[random.Next(Words.Length)])) + "\n"));
    }

    private static byte[] Embed(string dir, params string[] args)
    {
        var result = QianruCli.RunIn(dir, null, ["embed", "--window", Window, .. args]);
        Assert.True(result.ExitCode == 0, result.Error);
        var output = args.SkipWhile(a => a != "-o").Skip(1).FirstOrDefault();
        return output is null ? Encoding.UTF8.GetBytes(result.Out) : File.ReadAllBytes(Path.Combine(dir, output));
    }

    [Fact]
    public void Shards_put_together_are_the_unsharded_output()
    {
        var dir = QianruCli.TempDir();
        File.WriteAllText(Path.Combine(dir, "in.txt"), Texts(200, 1));
        var whole = Embed(dir, "-i", "in.txt");
        Assert.Equal(200, Encoding.UTF8.GetString(whole).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        // 200 texts are 5 windows of 40: 3 shards split them 1/2/2, 7 shards leave two empty.
        foreach (var n in new[] { 3, 7 })
        {
            var parts = Enumerable.Range(0, n).Select(i => Embed(dir, "-i", "in.txt", "--shard", $"{i}/{n}", "-o", $"part{i}-of-{n}.jsonl")).ToArray();
            Assert.Equal(whole, parts.SelectMany(p => p).ToArray());
            if (n == 7)
            {
                Assert.Contains(parts, p => p.Length == 0);
            }
        }
    }

    [Fact]
    public void Jsonl_input_with_blank_lines_shards_by_texts_and_keeps_global_indexes()
    {
        var dir = QianruCli.TempDir();
        var lines = Texts(130, 2).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var jsonl = string.Concat(lines.Select((t, i) => JsonSerializer.Serialize(new { text = t }) + (i % 9 == 0 ? "\n\n  \n" : "\n")));
        File.WriteAllText(Path.Combine(dir, "in.jsonl"), jsonl);
        var whole = Embed(dir, "-i", "in.jsonl");
        var parts = Enumerable.Range(0, 2).Select(i => Embed(dir, "-i", "in.jsonl", "--shard", $"{i}/2", "-o", $"p{i}.jsonl")).ToArray();
        Assert.Equal(whole, parts.SelectMany(p => p).ToArray());
        var second = Encoding.UTF8.GetString(parts[1]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using var first = JsonDocument.Parse(second[0]);
        Assert.Equal(80, first.RootElement.GetProperty("index").GetInt32()); // 4 windows of 40: shard 1 starts at text 80
        Assert.Equal(lines[80], first.RootElement.GetProperty("text").GetString());
    }

    [Fact]
    public void Resume_after_sigkill_gives_the_file_of_an_uninterrupted_run()
    {
        var dir = QianruCli.TempDir();
        File.WriteAllText(Path.Combine(dir, "in.txt"), Texts(600, 3));
        var expected = Embed(dir, "-i", "in.txt", "-o", "expected.jsonl");

        using (var child = ChildProcess.Start(dir, "embed", "--window", Window, "-i", "in.txt", "-o", "out.jsonl"))
        {
            var path = Path.Combine(dir, "out.jsonl");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (Rows(path) < 100 && !child.HasExited && clock.Elapsed < TimeSpan.FromMinutes(5))
            {
                Thread.Sleep(5);
            }

            Assert.False(child.HasExited, "the run ended before it could be killed");
            child.Signal(ChildProcess.SigKill);
            Assert.NotNull(child.WaitForExit(TimeSpan.FromSeconds(30)));
        }

        var interrupted = File.ReadAllBytes(Path.Combine(dir, "out.jsonl"));
        Assert.True(interrupted.Length < expected.Length, "the killed run wrote everything");
        var resumed = QianruCli.RunIn(dir, null, "embed", "--window", Window, "-i", "in.txt", "-o", "out.jsonl", "--resume");
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains("qianru: resuming out.jsonl after", resumed.Error, StringComparison.Ordinal);
        Assert.Equal(expected, File.ReadAllBytes(Path.Combine(dir, "out.jsonl")));
    }

    [Fact]
    public void Resume_drops_a_cut_row_and_the_unfinished_window()
    {
        var dir = QianruCli.TempDir();
        File.WriteAllText(Path.Combine(dir, "in.txt"), Texts(150, 4));
        var expected = Embed(dir, "-i", "in.txt", "-o", "expected.jsonl");

        // Cut in the middle of row 97 (inside the third window): rows 81..96 and the cut row are redone.
        var newlines = expected.Select((b, i) => (b, i)).Where(p => p.b == (byte)'\n').Select(p => p.i).ToArray();
        File.WriteAllBytes(Path.Combine(dir, "out.jsonl"), expected[..(newlines[95] + 40)]);
        var resumed = QianruCli.RunIn(dir, null, "embed", "--window", Window, "-i", "in.txt", "-o", "out.jsonl", "--resume");
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains("after 80 rows, at text 80", resumed.Error, StringComparison.Ordinal);
        Assert.Equal(expected, File.ReadAllBytes(Path.Combine(dir, "out.jsonl")));

        // A complete output is left as it is; a missing one is started.
        Assert.Equal(0, QianruCli.RunIn(dir, null, "embed", "--window", Window, "-i", "in.txt", "-o", "out.jsonl", "--resume").ExitCode);
        Assert.Equal(expected, File.ReadAllBytes(Path.Combine(dir, "out.jsonl")));
        Assert.Equal(expected, Embed(dir, "-i", "in.txt", "-o", "fresh.jsonl", "--resume"));
    }

    [Fact]
    public void A_resumed_shard_is_the_shard_of_an_uninterrupted_run()
    {
        var dir = QianruCli.TempDir();
        File.WriteAllText(Path.Combine(dir, "in.txt"), Texts(200, 5));
        var expected = Embed(dir, "-i", "in.txt", "--shard", "1/2", "-o", "expected.jsonl");
        File.WriteAllBytes(Path.Combine(dir, "out.jsonl"), expected[..(expected.Length * 2 / 3)]);
        Assert.Equal(expected, Embed(dir, "-i", "in.txt", "--shard", "1/2", "-o", "out.jsonl", "--resume"));
    }

    [Fact]
    public void Streamed_npy_csv_and_json_hold_the_jsonl_vectors_in_input_order()
    {
        var dir = QianruCli.TempDir();
        File.WriteAllText(Path.Combine(dir, "in.txt"), Texts(90, 6));
        var rows = Encoding.UTF8.GetString(Embed(dir, "-i", "in.txt")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("embedding").EnumerateArray().Select(x => x.GetSingle()).ToArray()).ToArray();

        var npy = Embed(dir, "-i", "in.txt", "-f", "npy", "-o", "out.npy");
        Assert.Contains("'shape': (90, 384)", Encoding.ASCII.GetString(npy, 0, 128), StringComparison.Ordinal);
        Assert.Equal(rows.SelectMany(r => r).ToArray(), System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(npy.AsSpan(128)).ToArray());
        Assert.Equal(rows, Qianru.IO.VectorFile.Read(Path.Combine(dir, "out.npy")));
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));

        var csv = Encoding.UTF8.GetString(Embed(dir, "-i", "in.txt", "-f", "csv", "-o", "out.csv")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("d0,d1,d2", string.Join(',', csv[0].Split(',').Take(3)));
        Assert.Equal(rows[89], csv[90].Split(',').Select(x => float.Parse(x, CultureInfo.InvariantCulture)));

        using var json = JsonDocument.Parse(Embed(dir, "-i", "in.txt", "-f", "json"));
        Assert.Equal(90, json.RootElement.GetArrayLength());
        Assert.Equal(rows[45], json.RootElement[45].GetProperty("embedding").EnumerateArray().Select(x => x.GetSingle()));
    }

    [Theory]
    [InlineData("npy")]
    [InlineData("csv")]
    [InlineData("json")]
    public void A_run_that_fails_after_writing_windows_leaves_the_old_file_and_no_temporary_file(string format)
    {
        var dir = QianruCli.TempDir();
        var lines = Texts(130, 5).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(t => JsonSerializer.Serialize(new { text = t })).ToArray();
        lines[100] = "{\"text\": "; // in the third window of 40: two windows are written before it is read
        File.WriteAllText(Path.Combine(dir, "in.jsonl"), string.Join('\n', lines) + "\n");
        var old = Encoding.UTF8.GetBytes("the old file\n");
        File.WriteAllBytes(Path.Combine(dir, "out." + format), old);

        var result = QianruCli.RunIn(dir, null, "embed", "--window", Window, "-i", "in.jsonl", "-f", format, "-o", "out." + format);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("in.jsonl", result.Error, StringComparison.Ordinal);
        Assert.Contains("101", result.Error, StringComparison.Ordinal);
        Assert.Equal(old, File.ReadAllBytes(Path.Combine(dir, "out." + format)));
        Assert.Equal(["in.jsonl", "out." + format], Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    private static int Rows(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var count = 0;
            int b;
            var buffer = new byte[1 << 16];
            while ((b = stream.Read(buffer)) > 0)
            {
                count += buffer.AsSpan(0, b).Count((byte)'\n');
            }

            return count;
        }
        catch (FileNotFoundException)
        {
            return 0;
        }
    }
}
