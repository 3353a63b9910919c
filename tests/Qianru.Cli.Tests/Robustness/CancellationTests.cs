using System.Globalization;
using System.Text;
using Qianru.Cli.Tests.Support;
using Xunit.Abstractions;

namespace Qianru.Cli.Tests.Robustness;

/// <summary>
/// Ctrl+C: a real <c>qianru</c> child process, busy with a long command, gets SIGINT and must end within
/// <see cref="Limit"/> with exit code 130 and the single line "qianru: cancelled" (no stack trace).
/// </summary>
public sealed class CancellationTests(ITestOutputHelper output)
{
    /// <summary>From the signal to the exit, process teardown included.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(2);

    public static TheoryData<string> Commands() =>
    [
        "cluster kmeans", "cluster dbscan", "cluster community", "words train", "words evaluate", "words similar (loading a big file)",
        "models quantize", "embed",
    ];

    [Theory]
    [MemberData(nameof(Commands))]
    public void Sigint_stops_a_long_command_within_two_seconds(string name)
    {
        var dir = QianruCli.TempDir();
        try
        {
            var (args, busy) = Prepare(name, dir);
            using var child = ChildProcess.Start(dir, args);
            Assert.True(busy(child), $"{name}: the command ended before it could be interrupted");
            child.Signal(ChildProcess.SigInt);
            var exit = child.WaitForExit(TimeSpan.FromSeconds(30));
            Assert.True(exit is not null, $"{name}: still running 30 s after SIGINT");
            var (code, took, _, error) = exit.Value;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: exit {code} {took.TotalSeconds:F2} s after SIGINT; stderr: {error.Trim()}"));
            Assert.Equal(130, code);
            Assert.Equal("qianru: cancelled", error.Trim());
            Assert.True(took <= Limit, $"{name}: took {took.TotalSeconds:F2} s after SIGINT");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The command line, and how to tell that it is busy with its long part.</summary>
    private static (string[] Args, Func<ChildProcess, bool> Busy) Prepare(string name, string dir)
    {
        var timeout = TimeSpan.FromSeconds(120);
        Func<ChildProcess, bool> cpu(double seconds) => child => child.WaitForCpu(seconds, timeout);
        switch (name)
        {
            case "cluster kmeans":
                WriteRandomNpy(Path.Combine(dir, "v.npy"), 20_000, 64);
                return (["cluster", "-a", "kmeans", "--vectors", "v.npy", "--k", "50", "--n-init", "1000", "--random-state", "1"], cpu(2.5));
            case "cluster dbscan":
                WriteRandomNpy(Path.Combine(dir, "v.npy"), 40_000, 64);
                return (["cluster", "-a", "dbscan", "--vectors", "v.npy", "--eps", "5"], cpu(2.5));
            case "cluster community":
                WriteRandomNpy(Path.Combine(dir, "v.npy"), 40_000, 64);
                return (["cluster", "-a", "community", "--vectors", "v.npy", "--threshold", "0.5"], cpu(2.5));
            case "words train":
                File.WriteAllLines(Path.Combine(dir, "corpus.txt"), RandomSentences(20_000, 2_000));
                return (["words", "train", "--corpus", "corpus.txt", "-o", "out.vec", "--epochs", "500", "--min-count", "1", "--threads", "2"], cpu(2.5));
            case "words evaluate":
                {
                    var words = WriteWordVectors(Path.Combine(dir, "w.vec"), 100_000, 50);
                    var random = new Random(3);
                    File.WriteAllLines(Path.Combine(dir, "q.txt"), [": section", .. Enumerable.Range(0, 50_000).Select(_ => string.Join(' ', Enumerable.Range(0, 4).Select(_ => words[random.Next(words.Count)])))]);
                    return (["words", "evaluate", "-v", "w.vec", "q.txt"], cpu(3.5));
                }

            case "words similar (loading a big file)":
                {
                    var path = Path.Combine(dir, "big.vec");
                    WriteBigVec(path, 1_000_000, 30);
                    return (["words", "similar", "-v", "big.vec", "w0000001"], child => WaitUntilOpen(child, path, timeout) && child.WaitForCpu(1.0, timeout));
                }

            case "models quantize":
                return (["models", "quantize", "minilm", "out"], cpu(2.5));
            case "embed":
                File.WriteAllLines(Path.Combine(dir, "texts.txt"), RandomSentences(50_000, 500));
                return (["embed", "-i", "texts.txt", "-o", "out.jsonl"], cpu(3.5));
            default:
                throw new ArgumentException(name);
        }
    }

    private static void WriteRandomNpy(string path, int rows, int dims)
    {
        var random = new Random(7);
        Qianru.IO.VectorFile.Write(path, [.. Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, dims).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray())]);
    }

    private static IEnumerable<string> RandomSentences(int count, int vocabulary)
    {
        var random = new Random(11);
        for (var i = 0; i < count; i++)
        {
            yield return string.Join(' ', Enumerable.Range(0, 20).Select(_ => "w" + random.Next(vocabulary).ToString(CultureInfo.InvariantCulture)));
        }
    }

    private static List<string> WriteWordVectors(string path, int count, int dims)
    {
        var random = new Random(5);
        var words = Enumerable.Range(0, count).Select(i => "w" + i.ToString(CultureInfo.InvariantCulture)).ToList();
        var vectors = new float[count * dims];
        for (var i = 0; i < vectors.Length; i++)
        {
            vectors[i] = (float)(random.NextDouble() - 0.5);
        }

        using var kv = Qianru.WordVectors.KeyedVectors.Create(words, vectors, dims);
        kv.Save(path, Qianru.WordVectors.WordVectorFormat.Word2VecText);
        return words;
    }

    /// <summary>A word2vec text file of <paramref name="rows"/> rows (hundreds of MB), written quickly from one row pattern.</summary>
    private static void WriteBigVec(string path, int rows, int dims)
    {
        var numbers = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, dims).Select(k => string.Create(CultureInfo.InvariantCulture, $" {0.001 * (k + 1):F6}"))) + "\n");
        using var file = new BufferedStream(File.Create(path), 1 << 20);
        file.Write(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{rows} {dims}\n")));
        for (var i = 0; i < rows; i++)
        {
            file.Write(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"w{i:D7}")));
            file.Write(numbers);
        }
    }

    /// <summary>Waits until the child holds <paramref name="path"/> open (it is reading it).</summary>
    private static bool WaitUntilOpen(ChildProcess child, string path, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < timeout && !child.HasExited)
        {
            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{child.Id}/fd"))
                {
                    if (new FileInfo(fd).LinkTarget == path)
                    {
                        return true;
                    }
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }

            Thread.Sleep(20);
        }

        return false;
    }
}
