using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Qianru.Cli.Tests.Support;

namespace Qianru.Cli.Tests.Robustness;

/// <summary>
/// The CLI's front door, as a hostile user tries it (issue #17's probe and more): every row is a command line with
/// its files, the exit code it must give and a fragment of the one-line message. Errors are exit 2 with exactly one
/// line on stderr naming the file, option or value and what is allowed, never a stack trace or "internal error".
/// The table stays in the suite so no case regresses.
/// </summary>
public sealed partial class FrontDoorTests
{
    private static readonly byte[] InvalidUtf8Line = [.. "hello "u8, 0xFF, 0xFE, .. " world\n"u8];

    public static TheoryData<string> Names() => [.. Cases.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(Names))]
    public void Front_door(string name)
    {
        var row = Cases.Single(c => c.Name == name);
        var dir = QianruCli.TempDir();
        foreach (var (file, bytes) in row.Files)
        {
            var path = Path.Combine(dir, file);
            Directory.CreateDirectory(Path.GetDirectoryName(path.TrimEnd('/'))!);
            if (file.EndsWith('/'))
            {
                Directory.CreateDirectory(path);
            }
            else
            {
                File.WriteAllBytes(path, bytes);
            }
        }

        foreach (var (link, target) in row.SymbolicLinks)
        {
            File.CreateSymbolicLink(Path.Combine(dir, link), Path.Combine(dir, target));
        }

        foreach (var (link, target) in row.HardLinks)
        {
            Assert.Equal(0, HardLink(Path.Combine(dir, target), Path.Combine(dir, link)));
        }

        foreach (var setup in row.Setup)
        {
            var done = QianruCli.RunIn(dir, null, setup);
            Assert.True(done.ExitCode == 0, $"setup {string.Join(' ', setup)}: {done.Error}");
        }

        var before = row.Unchanged is { } keep ? File.ReadAllBytes(Path.Combine(dir, keep)) : null;
        var result = QianruCli.RunWithBytes(dir, row.Stdin ?? [], row.Args);
        var stdout = result.Out;
        Assert.True(row.Exit == result.ExitCode, $"{name}: exit {result.ExitCode}, expected {row.Exit}; stderr: {result.Error}");
        if (row.Exit == 0)
        {
            Assert.Contains(row.Fragment, stdout, StringComparison.Ordinal);
        }
        else
        {
            var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length == 1, $"{name}: expected one line on stderr, got:\n{result.Error}");
            Assert.Contains(row.Fragment, lines[0], StringComparison.Ordinal);
            Assert.DoesNotContain("internal error", lines[0], StringComparison.Ordinal);
            Assert.StartsWith("qianru: ", lines[0], StringComparison.Ordinal);
        }

        if (before is not null)
        {
            Assert.Equal(before, File.ReadAllBytes(Path.Combine(dir, row.Unchanged!)));
        }
    }

    [Fact]
    public void Every_numeric_option_documents_its_range_in_its_help()
    {
        // The option types that take numbers; each such option's help line must carry "Range:" (knn and search
        // belong to the collection commands, whose k/ef ranges are set there; serve's to the server).
        var numeric = new List<string>();
        var root = Qianru.Cli.Infrastructure.CliApp.BuildRoot(new Qianru.Cli.Infrastructure.CliContext { Out = TextWriter.Null, Error = TextWriter.Null, OpenIn = () => TextReader.Null, OpenStdoutStream = () => Stream.Null });
        foreach (var (path, option) in Options(root, ""))
        {
            var generic = option.GetType();
            while (generic is not null && !(generic.IsGenericType && generic.GetGenericTypeDefinition() == typeof(System.CommandLine.Option<>)))
            {
                generic = generic.BaseType;
            }

            if (generic is null)
            {
                continue; // --help, --version
            }

            var type = generic.GetGenericArguments()[0];
            type = Nullable.GetUnderlyingType(type) ?? type;
            var isNumber = type == typeof(int) || type == typeof(long) || type == typeof(double) || type == typeof(float);
            if (!isNumber || path.StartsWith("knn", StringComparison.Ordinal) || path.StartsWith("search", StringComparison.Ordinal) || path.StartsWith("serve", StringComparison.Ordinal)
                || option.Name is "--seed" or "--random-state" or "--bits" or "--block-size")
            {
                continue; // seeds take any integer; --bits is 8|4 and --block-size a listed power of two, said in their help
            }

            if (option.Description?.Contains("Range: ", StringComparison.Ordinal) != true)
            {
                numeric.Add($"{path} {option.Name}");
            }
        }

        Assert.True(numeric.Count == 0, "numeric options without a documented range: " + string.Join(", ", numeric));
    }

    private static IEnumerable<(string Path, System.CommandLine.Option Option)> Options(System.CommandLine.Command command, string path)
    {
        foreach (var option in command.Options)
        {
            yield return (path, option);
        }

        foreach (var sub in command.Subcommands)
        {
            foreach (var o in Options(sub, (path + " " + sub.Name).Trim()))
            {
                yield return o;
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int HardLink(string existing, string created);

    private static IReadOnlyDictionary<string, byte[]> Files(params (string Name, byte[] Bytes)[] files) => files.ToDictionary(f => f.Name, f => f.Bytes);

    private static byte[] Text(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>A .npy file with the given header dictionary and <paramref name="dataBytes"/> zero bytes of data.</summary>
    private static byte[] Npy(string dict, int dataBytes, int version = 1, uint? headerLength = null)
    {
        var header = dict + new string(' ', 64 - ((dict.Length + (version == 1 ? 11 : 13)) % 64)) + "\n";
        var prefix = new List<byte> { 0x93 };
        prefix.AddRange("NUMPY"u8.ToArray());
        prefix.Add((byte)version);
        prefix.Add(0);
        if (version == 1)
        {
            prefix.AddRange(BitConverter.GetBytes((ushort)header.Length));
        }
        else
        {
            var length = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(length, headerLength ?? (uint)header.Length);
            prefix.AddRange(length);
        }

        return [.. prefix, .. Encoding.ASCII.GetBytes(header), .. new byte[dataBytes]];
    }

    private static byte[] Vec(string header, params string[] rows) => Text(header + "\n" + string.Join("\n", rows) + "\n");

    private static byte[] Word2VecBinary(long count, int dims, int realWords)
    {
        var bytes = new List<byte>(Text($"{count} {dims}\n"));
        for (var i = 0; i < realWords; i++)
        {
            bytes.AddRange(Text($"w{i} "));
            for (var k = 0; k < dims; k++)
            {
                bytes.AddRange(BitConverter.GetBytes(0.5f + i + k));
            }

            bytes.Add((byte)'\n');
        }

        return [.. bytes];
    }

    private static string Corpus => string.Join("\n", Enumerable.Range(0, 50).Select(i => "the king and the queen went to paris and the man saw the woman " + i)) + "\n";

    private static readonly string[] Texts3 = ["a first text", "a second text", "a third text"];

    private static IReadOnlyList<FrontDoorCase> Cases { get; } =
    [
        // 3. Text that is not valid Unicode: refused, naming the file and line.
        new("embed: invalid UTF-8 in a text file", ["embed", "-i", "bad.txt"], 2, "bad.txt:1 is not valid Unicode: it holds invalid UTF-8 byte 0xFF at byte 6") { Files = Files(("bad.txt", InvalidUtf8Line)) },
        new("embed: invalid UTF-8 on line 3", ["embed", "-i", "bad.txt"], 2, "bad.txt:3 is not valid Unicode: it holds invalid UTF-8") { Files = Files(("bad.txt", [.. Text("ok\nfine\n"), .. InvalidUtf8Line])) },
        new("embed: an encoded surrogate (CESU-8) is not UTF-8", ["embed", "-i", "bad.txt"], 2, "bad.txt:1 is not valid Unicode: it holds invalid UTF-8 byte 0xED at byte 1") { Files = Files(("bad.txt", [0x61, 0xED, 0xA0, 0x80, 0x0A])) },
        new("embed: invalid UTF-8 inside a jsonl string", ["embed", "-i", "bad.jsonl"], 2, "bad.jsonl:1 is not valid Unicode: it holds invalid UTF-8 byte 0xFF") { Files = Files(("bad.jsonl", [.. Text("{\"text\": \"abc"), 0xFF, .. Text("\"}\n")])) },
        new("embed: a lone surrogate escape in jsonl", ["embed", "-i", "lone.jsonl"], 2, "lone.jsonl:2 \"text\" is not valid Unicode: it holds a lone surrogate escape \\ud800") { Files = Files(("lone.jsonl", Text("{\"text\": \"fine\"}\n{\"text\": \"a\\ud800b\"}\n"))) },
        new("embed: a lone low surrogate as a bare JSON string", ["embed", "-i", "lone.jsonl"], 2, "lone.jsonl:1 is not valid Unicode: it holds a lone surrogate escape \\udc00") { Files = Files(("lone.jsonl", Text("\"x\\udc00\"\n"))) },
        new("embed: invalid UTF-8 on standard input", ["embed", "-i", "-"], 2, "standard input:1 is not valid Unicode: it holds invalid UTF-8 byte 0xFF") { Stdin = InvalidUtf8Line },
        new("tokenize: invalid UTF-8", ["tokenize", "-i", "bad.txt"], 2, "bad.txt:1 is not valid Unicode: it holds invalid UTF-8 byte 0xFF at byte 6") { Files = Files(("bad.txt", InvalidUtf8Line)) },
        new("tokenize: lone surrogate in jsonl", ["tokenize", "-i", "lone.jsonl"], 2, "lone.jsonl:1 \"text\" is not valid Unicode: it holds a lone surrogate escape \\udbff") { Files = Files(("lone.jsonl", Text("{\"text\": \"\\udbff\"}\n"))) },
        new("paraphrase: invalid UTF-8", ["paraphrase", "-i", "bad.txt"], 2, "bad.txt:1 is not valid Unicode: it holds invalid UTF-8 byte 0xFF at byte 6") { Files = Files(("bad.txt", InvalidUtf8Line)) },
        new("cluster: invalid UTF-8", ["cluster", "-a", "kmeans", "-i", "bad.txt"], 2, "bad.txt:1 is not valid Unicode: it holds invalid UTF-8 byte 0xFF at byte 6") { Files = Files(("bad.txt", InvalidUtf8Line)) },
        new("similarity: invalid UTF-8 in --docs-file", ["similarity", "query", "--docs-file", "bad.txt"], 2, "bad.txt:1 is not valid Unicode: it holds invalid UTF-8 byte 0xFF at byte 6") { Files = Files(("bad.txt", InvalidUtf8Line)) },
        new("words train: invalid UTF-8 in the corpus", ["words", "train", "--corpus", "bad.txt", "-o", "out.vec", "--min-count", "1"], 2, "bad.txt:1 is not valid Unicode: it holds invalid UTF-8 byte 0xFF at byte 6") { Files = Files(("bad.txt", InvalidUtf8Line)) },
        new("index add: invalid UTF-8", ["index", "add", "c.db", "--input", "bad.txt"], 2, "bad.txt:1 is not valid Unicode: it holds invalid UTF-8 byte 0xFF at byte 6") { Files = Files(("bad.txt", InvalidUtf8Line)), Setup = [["index", "create", "c.db"]] },
        new("index add: lone surrogate in \"text\"", ["index", "add", "c.db", "--input", "lone.jsonl"], 2, "lone.jsonl:1 \"text\" is not valid Unicode: it holds a lone surrogate escape \\ud800") { Files = Files(("lone.jsonl", Text("{\"text\": \"\\ud800\"}\n"))), Setup = [["index", "create", "c.db"]] },
        new("index add: lone surrogate in \"id\"", ["index", "add", "c.db", "--input", "lone.jsonl"], 2, "lone.jsonl:1 \"id\" is not valid Unicode: it holds a lone surrogate escape \\ud800") { Files = Files(("lone.jsonl", Text("{\"text\": \"ok\", \"id\": \"\\ud800\"}\n"))), Setup = [["index", "create", "c.db"]] },
        new("index add: lone surrogate in metadata", ["index", "add", "c.db", "--input", "lone.jsonl"], 2, "lone.jsonl:1 \"metadata\" is not valid Unicode: it holds a lone surrogate escape \\ude00") { Files = Files(("lone.jsonl", Text("{\"text\": \"ok\", \"metadata\": {\"k\": [\"\\ude00\"]}}\n"))), Setup = [["index", "create", "c.db"]] },

        // 9. Every numeric option has a documented range, checked before anything is allocated or loaded.
        new("embed --threads 100000", ["embed", "--threads", "100000", "hi"], 2, "--threads 100000: out of range; must be 1 to 1024"),
        new("embed --batch-size 2147483647", ["embed", "--batch-size", "2147483647", "hi"], 2, "--batch-size 2147483647: out of range; must be 1 to 4096"),
        new("embed --batch-size 0", ["embed", "--batch-size", "0", "hi"], 2, "--batch-size 0: out of range"),
        new("embed --dimensions 0", ["embed", "--dimensions", "0", "hi"], 2, "--dimensions 0: out of range; must be 1 to 65536"),
        new("embed --dimensions above the model's", ["embed", "--dimensions", "1000", "hi"], 2, "--dimensions 1000: model minilm has 384 dimensions"),
        new("embed --window 0", ["embed", "--window", "0", "hi"], 2, "--window 0: out of range; must be 1 to 1000000"),
        new("embed --batch-size beyond int", ["embed", "--batch-size", "99999999999", "hi"], 2, "99999999999"),
        new("tokenize --threads 0", ["tokenize", "--threads", "0", "hi"], 2, "--threads 0: out of range"),
        new("onehot --dim 2000000000", ["onehot", "--dim", "2000000000", "ab"], 2, "--dim 2000000000: out of range; must be 1 to 1024"),
        new("words train --dim 2000000000", ["words", "train", "--corpus", "c.txt", "-o", "o.vec", "--dim", "2000000000"], 2, "--dim 2000000000: out of range; must be 1 to 10000") { Files = Files(("c.txt", Text(Corpus))) },
        new("words train --bucket 2000000000", ["words", "train", "--corpus", "c.txt", "-o", "o.vec", "--subwords", "--bucket", "2000000000"], 2, "--bucket 2000000000: out of range; must be 1 to 100000000") { Files = Files(("c.txt", Text(Corpus))) },
        new("words train --bucket × --dim beyond one array", ["words", "train", "--corpus", "c.txt", "-o", "o.vec", "--subwords", "--bucket", "100000000", "--dim", "1000", "--min-count", "1"], 2, "100000000 n-gram buckets × 1000 dimensions is 100000000000 floats") { Files = Files(("c.txt", Text(Corpus))) },
        new("words train --minn above --maxn", ["words", "train", "--corpus", "c.txt", "-o", "o.vec", "--subwords", "--minn", "7", "--maxn", "3", "--min-count", "1"], 2, "--minn 7: above --maxn 3") { Files = Files(("c.txt", Text(Corpus))) },
        new("words train --window 0", ["words", "train", "--corpus", "c.txt", "-o", "o.vec", "--window", "0"], 2, "--window 0: out of range") { Files = Files(("c.txt", Text(Corpus))) },
        new("words train --alpha 0", ["words", "train", "--corpus", "c.txt", "-o", "o.vec", "--alpha", "0"], 2, "--alpha 0: out of range; must be above 0, up to 1") { Files = Files(("c.txt", Text(Corpus))) },
        new("words train --threads 100000", ["words", "train", "--corpus", "c.txt", "-o", "o.vec", "--threads", "100000"], 2, "--threads 100000: out of range") { Files = Files(("c.txt", Text(Corpus))) },
        new("words similar -k 0", ["words", "similar", "-v", "w.vec", "-k", "0", "king"], 2, "--top 0: out of range; must be 1 to 100000") { Files = Files(("w.vec", Vec("2 2", "king 1 0", "queen 0 1"))) },
        new("words similar --limit 0", ["words", "similar", "-v", "w.vec", "--limit", "0", "king"], 2, "--limit 0: out of range") { Files = Files(("w.vec", Vec("2 2", "king 1 0", "queen 0 1"))) },
        new("words evaluate --restrict-vocab 0", ["words", "evaluate", "-v", "w.vec", "--restrict-vocab", "0", "q.txt"], 2, "--restrict-vocab 0: out of range") { Files = Files(("w.vec", Vec("2 2", "king 1 0", "queen 0 1")), ("q.txt", Text(": s\na b c d\n"))) },
        new("cluster --k 0", ["cluster", "-a", "kmeans", "--k", "0", "a", "b"], 2, "--k 0: out of range; must be 1 to 1000000"),
        new("cluster --k above the rows", ["cluster", "-a", "kmeans", "--k", "5", "--vectors", "v.csv"], 2, "--k 5: there are only 2 rows") { Files = Files(("v.csv", Text("1,2\n3,4\n"))) },
        new("cluster --n-init 0", ["cluster", "-a", "kmeans", "--n-init", "0", "a"], 2, "--n-init 0: give a number from 1 to 1000, or auto"),
        new("cluster --max-iter 0", ["cluster", "-a", "kmeans", "--max-iter", "0", "a"], 2, "--max-iter 0: out of range"),
        new("cluster --eps nan", ["cluster", "-a", "dbscan", "--eps", "nan", "a"], 2, "--eps NaN: out of range; must be above 0, up to 1000000"),
        new("cluster --eps 0", ["cluster", "-a", "dbscan", "--eps", "0", "a"], 2, "--eps 0: out of range"),
        new("cluster --min-samples 0", ["cluster", "-a", "dbscan", "--min-samples", "0", "a"], 2, "--min-samples 0: out of range"),
        new("cluster --threshold 2", ["cluster", "-a", "community", "--threshold", "2", "a"], 2, "--threshold 2: out of range; must be -1 to 1"),
        new("cluster --min-community-size 0", ["cluster", "-a", "community", "--min-community-size", "0", "a"], 2, "--min-community-size 0: out of range"),
        new("paraphrase --top-k 0", ["paraphrase", "--top-k", "0", "a", "b"], 2, "--top-k 0: out of range; must be 1 to 10000"),
        new("paraphrase --max-pairs 0", ["paraphrase", "--max-pairs", "0", "a", "b"], 2, "--max-pairs 0: out of range"),
        new("paraphrase --min-score 1.5", ["paraphrase", "--min-score", "1.5", "a", "b"], 2, "--min-score 1.5: out of range; must be -1 to 1"),
        new("index add --batch-size 0", ["index", "add", "c.db", "--input", "t.txt", "--batch-size", "0"], 2, "--batch-size 0: out of range") { Files = Files(("t.txt", Text("a\n"))) },
        new("models quantize --alpha 2", ["models", "quantize", "minilm", "out", "--alpha", "2"], 2, "--alpha 2: out of range; must be 0 to 1"),
        new("models quantize --block-size 17", ["models", "quantize", "minilm", "out", "--method", "block", "--block-size", "17"], 2, "--block-size 17: must be a power of two from 16 to 256"),

        // 9. Files are checked against their length before anything is allocated from their headers.
        new(".npy shape (2e9, 8) in a small file", ["cluster", "-a", "kmeans", "--vectors", "big.npy"], 2, "big.npy: the .npy header says shape (2000000000, 8), 64000000000 bytes of data, but the file holds 1024") { Files = Files(("big.npy", Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2000000000, 8), }", 1024))) },
        new(".npy shape (-5, 8)", ["cluster", "-a", "kmeans", "--vectors", "neg.npy"], 2, ".npy shape (-5, 8) is not two whole numbers") { Files = Files(("neg.npy", Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-5, 8), }", 64))) },
        new(".npy shape (3, 0)", ["cluster", "-a", "kmeans", "--vectors", "empty.npy"], 2, "the vectors are empty") { Files = Files(("empty.npy", Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 0), }", 0))) },
        new(".npy v2 header length 4 GB", ["cluster", "-a", "kmeans", "--vectors", "long.npy"], 2, "the .npy header claims") { Files = Files(("long.npy", Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 8), }", 32, version: 2, headerLength: uint.MaxValue))) },
        new(".npy cut short", ["cluster", "-a", "kmeans", "--vectors", "cut.npy"], 2, "cut.npy: the .npy header says shape (4, 8)") { Files = Files(("cut.npy", Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 8), }", 100))) },
        new(".vec header 10 2000000000", ["words", "similar", "-v", "w.vec", "king"], 2, "w.vec: line 1 is the word2vec header \"10 2000000000\" but is out of range") { Files = Files(("w.vec", Vec("10 2000000000", "king 1 0", "queen 0 1"))) },
        new(".vec header -10 5", ["words", "similar", "-v", "w.vec", "king"], 2, "line 1 is the word2vec header \"-10 5\" but is out of range") { Files = Files(("w.vec", Vec("-10 5", "king 1 0 0 0 0"))) },
        new(".vec with nan", ["words", "similar", "-v", "w.vec", "king"], 2, "w.vec: line 3: 'nan' (number 2 of the row) is NaN; only finite values are allowed") { Files = Files(("w.vec", Vec("2 2", "king 1 0", "queen 0 nan"))) },
        new(".vec with inf", ["words", "similar", "-v", "w.vec", "king"], 2, "line 2: 'inf' (number 1 of the row) is infinite") { Files = Files(("w.vec", Vec("2 2", "king inf 0", "queen 0 1"))) },
        new(".vec with 1e39 (beyond float32)", ["words", "similar", "-v", "w.vec", "king"], 2, "'1e39' (number 1 of the row) is infinite or outside the float32 range") { Files = Files(("w.vec", Vec("2 2", "king 1e39 0", "queen 0 1"))) },
        new("GloVe (no header) with nan", ["words", "similar", "-v", "g.txt", "king"], 2, "g.txt: line 2: 'NaN'") { Files = Files(("g.txt", Text("king 1 0 2\nqueen 0 NaN 1\n"))) },
        new("word2vec .bin claiming 2e9 words", ["words", "similar", "-v", "w.bin", "w0"], 2, "truncated binary file: word 3 of 2000000000 is missing") { Files = Files(("w.bin", Word2VecBinary(2_000_000_000, 8, 2))) },
        new("word2vec .bin with a NaN", ["words", "similar", "-v", "w.bin", "w0"], 2, "w.bin: word 1 ('w0'), number 1 is NaN") { Files = Files(("w.bin", [.. Word2VecBinary(2, 2, 0), .. Text("w0 "), .. BitConverter.GetBytes(float.NaN), .. BitConverter.GetBytes(1f), .. Text("\nw1 "), .. BitConverter.GetBytes(1f), .. BitConverter.GetBytes(1f), .. Text("\n")])) },
        new("vector file that is a folder", ["cluster", "-a", "kmeans", "--vectors", "d.npy"], 2, "--vectors d.npy: is a folder") { Files = Files(("d.npy/", [])) },

        // 11. Parsing that hid problems.
        new("csv: inf in the first row is not a header", ["cluster", "-a", "kmeans", "--k", "1", "--vectors", "v.csv"], 2, "v.csv: line 1, column 1: 'inf' is infinity; only finite values are allowed") { Files = Files(("v.csv", Text("inf,1\n2,3\n"))) },
        new("csv: a non-number in the first data row", ["cluster", "-a", "kmeans", "--k", "1", "--vectors", "v.csv"], 2, "line 1, column 1: 'x' is not a number (a first row is a header only when none of its fields is a number)") { Files = Files(("v.csv", Text("x,1\n2,3\n"))) },
        new("csv: a first row of inf only is data, not a header", ["cluster", "-a", "kmeans", "--k", "1", "--vectors", "v.csv"], 2, "'inf' is infinity") { Files = Files(("v.csv", Text("inf,-inf\n2,3\n"))) },
        new("csv: a real header row is skipped", ["cluster", "-a", "kmeans", "--k", "1", "--vectors", "v.csv", "--format", "jsonl"], 0, "\"label\":0") { Files = Files(("v.csv", Text("d0,d1\n1,2\n3,4\n"))) },
        new("csv: the same non-number on row 2 names the line", ["cluster", "-a", "kmeans", "--k", "1", "--vectors", "v.csv"], 2, "line 2, column 1: 'x' is not a number") { Files = Files(("v.csv", Text("1,2\nx,3\n"))) },
        new("words similar -k 0 is a range error, not an empty answer", ["words", "similar", "-v", "w.vec", "-k", "0", "king"], 2, "must be 1 to 100000") { Files = Files(("w.vec", Vec("2 2", "king 1 0", "queen 0 1"))) },
        new("embed -i F -o F", ["embed", "-i", "t.txt", "-o", "t.txt"], 2, "--output t.txt: is the same file as --input t.txt") { Files = Files(("t.txt", Text("keep me\n"))), Unchanged = "t.txt" },
        new("embed -i F -o ./sub/../F", ["embed", "-i", "t.txt", "-o", "./sub/../t.txt"], 2, "is the same file as --input t.txt") { Files = Files(("t.txt", Text("keep me\n")), ("sub/", [])), Unchanged = "t.txt" },
        new("embed -i F -o a symbolic link to F", ["embed", "-i", "t.txt", "-o", "link.txt"], 2, "--output link.txt: is the same file as --input t.txt") { Files = Files(("t.txt", Text("keep me\n"))), SymbolicLinks = new Dictionary<string, string> { ["link.txt"] = "t.txt" }, Unchanged = "t.txt" },
        new("embed -i F -o a hard link to F", ["embed", "-i", "t.txt", "-o", "hard.txt"], 2, "--output hard.txt: is the same file as --input t.txt") { Files = Files(("t.txt", Text("keep me\n"))), HardLinks = new Dictionary<string, string> { ["hard.txt"] = "t.txt" }, Unchanged = "t.txt" },
        new("tokenize -i F -o F", ["tokenize", "-i", "t.txt", "-o", "t.txt"], 2, "is the same file as --input t.txt") { Files = Files(("t.txt", Text("keep me\n"))), Unchanged = "t.txt" },
        new("words convert F F", ["words", "convert", "w.vec", "w.vec"], 2, "output w.vec: is the same file as input w.vec") { Files = Files(("w.vec", Vec("2 2", "king 1 0", "queen 0 1"))), Unchanged = "w.vec" },
        new("words train --corpus F -o F", ["words", "train", "--corpus", "c.txt", "-o", "c.txt"], 2, "--output c.txt: is the same file as --corpus c.txt") { Files = Files(("c.txt", Text(Corpus))), Unchanged = "c.txt" },
        new("similarity --plot over --docs-file", ["similarity", "q", "--docs-file", "d.png", "--plot", "d.png"], 2, "--plot d.png: is the same file as --docs-file d.png") { Files = Files(("d.png", Text("doc\n"))), Unchanged = "d.png" },

        // Other hostile inputs: empty files, /dev/null, folders, missing files, huge lines, BOM and CRLF.
        new("embed: an empty file", ["embed", "-i", "empty.txt"], 2, "empty.txt: no texts in the file") { Files = Files(("empty.txt", [])) },
        new("embed: /dev/null", ["embed", "-i", "/dev/null"], 2, "/dev/null: no texts in the file"),
        new("embed: a jsonl of blank lines", ["embed", "-i", "blank.jsonl"], 2, "blank.jsonl: no texts in the file") { Files = Files(("blank.jsonl", Text("\n  \n\t\n"))) },
        new("embed: a folder as input", ["embed", "-i", "dir"], 2, "--input dir: is a folder; give a file") { Files = Files(("dir/", [])) },
        new("embed: a missing file", ["embed", "-i", "nope.txt"], 2, "--input nope.txt: file not found") ,
        new("embed: a folder as output", ["embed", "hi", "-o", "dir"], 2, "--output dir: is a folder") { Files = Files(("dir/", [])) },
        new("embed: a line over 16 MiB", ["embed", "-i", "huge.txt"], 2, "huge.txt:2: the line is longer than 16 MiB") { Files = Files(("huge.txt", [.. Text("short\n"), .. Enumerable.Repeat((byte)'a', (16 << 20) + 10)])) },
        new("embed: BOM and CRLF are read as plain lines", ["embed", "-i", "bom.txt"], 0, "\"index\":1,\"text\":\"world\",") { Files = Files(("bom.txt", [0xEF, 0xBB, 0xBF, .. Text("hello\r\nworld\r\n")])) },
        new("embed: the BOM is not part of the first text", ["embed", "-i", "bom.txt"], 0, "{\"index\":0,\"text\":\"hello\",") { Files = Files(("bom.txt", [0xEF, 0xBB, 0xBF, .. Text("hello\r\nworld\r\n")])) },
        new("embed: malformed jsonl names the line", ["embed", "-i", "x.jsonl"], 2, "x.jsonl:2: not valid JSON") { Files = Files(("x.jsonl", Text("{\"text\": \"a\"}\n{\"text\": \n"))) },
        new("embed: jsonl without a text field", ["embed", "-i", "x.jsonl"], 2, "x.jsonl:1: expected an object with a string \"text\" field") { Files = Files(("x.jsonl", Text("{\"txt\": \"a\"}\n"))) },
        new("cluster: an empty vector file", ["cluster", "-a", "kmeans", "--vectors", "e.csv"], 2, "--vectors e.csv: the file holds no vectors") { Files = Files(("e.csv", [])) },
        new("words similar: a folder as the vectors file", ["words", "similar", "-v", "dir", "king"], 2, "is a folder; give a file") { Files = Files(("dir/", [])) },
        new("words evaluate: questions that are not UTF-8", ["words", "evaluate", "-v", "w.vec", "q.txt"], 2, "q.txt: line 2: not valid UTF-8") { Files = Files(("w.vec", Vec("2 2", "king 1 0", "queen 0 1")), ("q.txt", [.. Text(": s\nking queen "), 0xFF, .. Text(" king\n")])) },
        new("words similar: an empty vectors file", ["words", "similar", "-v", "e.vec", "king"], 2, "the file holds no word vectors") { Files = Files(("e.vec", [])) },

        // Streaming embed: --shard and --resume misuse.
        new("embed --shard 3/3", ["embed", "-i", "t.txt", "--shard", "3/3"], 2, "--shard 3/3: give I/N with N from 1 to 100000 and I from 0 to N-1") { Files = Files(("t.txt", Text("a\n"))) },
        new("embed --shard x", ["embed", "-i", "t.txt", "--shard", "x"], 2, "--shard x: give I/N") { Files = Files(("t.txt", Text("a\n"))) },
        new("embed --shard on standard input", ["embed", "-i", "-", "--shard", "0/2"], 2, "--shard needs --input FILE") { Stdin = Text("a\nb\n") },
        new("embed --resume without --output", ["embed", "-i", "t.txt", "--resume"], 2, "--resume continues a jsonl file: give --output FILE") { Files = Files(("t.txt", Text("a\n"))) },
        new("embed --resume with --format npy", ["embed", "-i", "t.txt", "--resume", "-o", "o.npy", "-f", "npy"], 2, "--resume continues a jsonl file") { Files = Files(("t.txt", Text("a\n"))) },
        new("embed --resume onto another file", ["embed", "-i", "t.txt", "--resume", "-o", "o.jsonl"], 2, "--resume: o.jsonl is not the output of this run: row 1 is not a qianru embed jsonl row") { Files = Files(("t.txt", Text("a\n")), ("o.jsonl", Text("my notes\n"))), Unchanged = "o.jsonl" },
        new("embed --resume onto another input's output", ["embed", "-i", "t.txt", "--resume", "-o", "o.jsonl", "--window", "1"], 2, "--resume: o.jsonl is not the output of this input: its row for text 0 holds \"b\" but the input's text 0 is \"a\"") { Files = Files(("t.txt", Text("a\nb\n")), ("o.jsonl", Text("{\"index\":0,\"text\":\"b\",\"embedding\":[1,2]}\n"))) },
        new("embed --resume with rows out of order", ["embed", "-i", "t.txt", "--resume", "-o", "o.jsonl"], 2, "row 2 has index 5, not 1: rows are missing or repeated") { Files = Files(("t.txt", Text("a\nb\n")), ("o.jsonl", Text("{\"index\":0,\"text\":\"a\",\"embedding\":[1]}\n{\"index\":5,\"text\":\"b\",\"embedding\":[1]}\n"))) },
    ];
}
