using Qianru.WordVectors;

namespace Qianru.Tests.WordVectors;

/// <summary>Reading and writing the file formats: detection, limits, round trips and malformed files.</summary>
public sealed class WordVectorFilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("qianru-words-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Theory]
    [InlineData("vectors.txt", WordVectorFormat.Word2VecText)]
    [InlineData("vectors.bin", WordVectorFormat.Word2VecBinary)]
    [InlineData("vectors.glove.txt", WordVectorFormat.GloVe)]
    public void DetectsTheFormatAndEveryFormatGivesTheSameVectors(string file, WordVectorFormat format)
    {
        var path = GensimFixture.PathOf(file);
        Assert.Equal(format, KeyedVectors.DetectFormat(path));
        using var reference = KeyedVectors.Load(GensimFixture.PathOf("vectors.txt"));
        using var kv = KeyedVectors.Load(path);
        Assert.Equal(reference.Words, kv.Words);
        for (var i = 0; i < kv.Count; i++)
        {
            // gensim writes text as float32 repr (round-trips exactly); the GloVe file was written from float64 repr of float32.
            Assert.Equal(reference.GetRow(i).ToArray(), kv.GetRow(i).ToArray());
        }
    }

    [Theory]
    [InlineData(WordVectorFormat.Word2VecText)]
    [InlineData(WordVectorFormat.Word2VecBinary)]
    [InlineData(WordVectorFormat.GloVe)]
    [InlineData(WordVectorFormat.Native)]
    public void SaveThenLoadRoundTripsExactly(WordVectorFormat format)
    {
        using var reference = KeyedVectors.Load(GensimFixture.PathOf("vectors.bin"));
        var path = Path.Combine(_dir, "out." + format);
        reference.Save(path, format);
        Assert.Equal(format, KeyedVectors.DetectFormat(path));
        using var kv = KeyedVectors.Load(path);
        Assert.Equal(reference.Words, kv.Words);
        for (var i = 0; i < kv.Count; i++)
        {
            Assert.Equal(reference.GetRow(i).ToArray(), kv.GetRow(i).ToArray());
        }

        Assert.Equal(reference.MostSimilar("king"), kv.MostSimilar("king"));
    }

    [Fact]
    public void SavedWord2VecTextIsByteIdenticalToGensims()
    {
        using var reference = KeyedVectors.Load(GensimFixture.PathOf("vectors.txt"));
        var path = Path.Combine(_dir, "same.txt");
        reference.Save(path, WordVectorFormat.Word2VecText);
        Assert.Equal(File.ReadAllText(GensimFixture.PathOf("vectors.txt")), File.ReadAllText(path));
    }

    [Theory]
    [InlineData("vectors.txt")]
    [InlineData("vectors.bin")]
    [InlineData("vectors.glove.txt")]
    public void LimitReadsTheFirstWords(string file)
    {
        using var all = KeyedVectors.Load(GensimFixture.PathOf(file));
        using var kv = KeyedVectors.Load(GensimFixture.PathOf(file), new WordVectorLoadOptions { Limit = 7 });
        Assert.Equal(all.Words.Take(7), kv.Words);
        Assert.Equal(all.GetRow(6).ToArray(), kv.GetRow(6).ToArray());
    }

    [Fact]
    public void NativeLimitAndCounts()
    {
        using var trained = KeyedVectors.Create(["a", "b", "c"], [1, 0, 0, 1, 1, 1], 2, [30, 20, 10]);
        var path = Path.Combine(_dir, "c.qwv");
        trained.Save(path, WordVectorFormat.Native);
        using var kv = KeyedVectors.Load(path, new WordVectorLoadOptions { Limit = 2 });
        Assert.Equal(["a", "b"], kv.Words);
        Assert.Equal([30L, 20L], kv.Counts!);
    }

    [Fact]
    public void GloVeWordsWithSpacesKeepTheSpace()
    {
        var path = Write("g.txt", "a 1 2\nat name@x.com 3 4\nb 5 6\n");
        using var kv = KeyedVectors.Load(path);
        Assert.Equal(["a", "at name@x.com", "b"], kv.Words);
        Assert.Equal([3f, 4f], kv.GetVector("at name@x.com"));
    }

    [Fact]
    public void ParsesNumbersLikeDotNet()
    {
        var numbers = new[] { "0", "-0.5", "1e-3", "3.4028235E+38", "1.17549435E-38", "123456789012345678901234", "-.25", "7.", "0.000000000000000000000000123", "2.5e+05" };
        var path = Write("n.txt", $"1 {numbers.Length}\nw {string.Join(' ', numbers)}\n");
        using var kv = KeyedVectors.Load(path);
        Assert.Equal(numbers.Select(n => float.Parse(n, System.Globalization.CultureInfo.InvariantCulture)), kv.GetRow(0).ToArray());
    }

    [Theory]
    [InlineData("2 3\na 1 2 3\nb 1 2\n", "line 3", "short row")]
    [InlineData("2 3\na 1 2 3\nb 1 x 3\n", "line 3", "'x'")]
    [InlineData("3 3\na 1 2 3\nb 1 2 3\n", "header says 3 words", "truncated")]
    [InlineData("a 1 2 3\nb 1 2\n", "line 2", "short row")]
    [InlineData("a 1 2 3\nb 1 2 3e\n", "line 2", "'3e'")]
    [InlineData("2 3 4\na 1 2 3\n", "line 1", "")]
    public void MalformedTextNamesTheLine(string text, string where, string what)
    {
        var path = Write("bad.txt", text);
        var ex = Assert.Throws<InvalidDataException>(() => KeyedVectors.Load(path, new WordVectorLoadOptions { Format = text.StartsWith("2 3 4", StringComparison.Ordinal) ? WordVectorFormat.Word2VecText : null }));
        Assert.Contains(where, ex.Message);
        Assert.Contains(what, ex.Message);
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void TruncatedBinaryNamesTheWord()
    {
        var bytes = File.ReadAllBytes(GensimFixture.PathOf("vectors.bin"));
        var path = Path.Combine(_dir, "cut.bin");
        File.WriteAllBytes(path, bytes[..(bytes.Length - 50)]);
        var ex = Assert.Throws<InvalidDataException>(() => KeyedVectors.Load(path));
        Assert.Contains("truncated binary file", ex.Message);
        Assert.Contains("word 140 of 140", ex.Message);
    }

    [Fact]
    public void MissingFileIsFileNotFound()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => KeyedVectors.Load(Path.Combine(_dir, "nope.vec")));
        Assert.Contains("nope.vec", ex.Message);
    }

    [Fact]
    public void TopKEqualsNaiveSortOnRandomVectors()
    {
        var random = new Random(3);
        var words = Enumerable.Range(0, 500).Select(i => "w" + i).ToArray();
        var data = Enumerable.Range(0, 500 * 8).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        using var kv = KeyedVectors.Create(words, data, 8);
        var q = kv.GetVector("w7");
        double Norm(ReadOnlySpan<float> v) { double s = 0; foreach (var x in v) { s += (double)x * x; } return Math.Sqrt(s); }
        var naive = Enumerable.Range(0, 500).Where(i => i != 7)
            .Select(i => (Word: words[i], Score: Enumerable.Range(0, 8).Sum(k => (double)data[i * 8 + k] * q[k]) / (Norm(data.AsSpan(i * 8, 8)) * Norm(q))))
            .OrderByDescending(t => t.Score).Take(10).ToList();
        var actual = kv.MostSimilar("w7", 10);
        Assert.Equal(naive.Select(n => n.Word), actual.Select(a => a.Word));
        Assert.All(naive.Zip(actual), p => Assert.Equal(p.First.Score, p.Second.Score, 1e-5));
    }
}

/// <summary>The streaming reader with tiny buffers, so every row crosses buffer refills.</summary>
public sealed class StreamingReaderTests
{
    [Theory]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(1000)]
    public void TinyBuffersGiveTheSameVectors(int bufferSize)
    {
        using var reference = KeyedVectors.Load(GensimFixture.PathOf("vectors.txt"));
        using (var text = File.OpenRead(GensimFixture.PathOf("vectors.txt")))
        {
            var data = WordVectorReader.ReadText(text, "t", hasHeader: true, limit: null, bufferSize);
            Assert.Equal(reference.Words, data.Words);
            Assert.Equal(Enumerable.Range(0, reference.Count).SelectMany(i => reference.GetRow(i).ToArray()), data.Vectors);
        }

        using (var binary = File.OpenRead(GensimFixture.PathOf("vectors.bin")))
        {
            var data = WordVectorReader.ReadBinary(binary, "b", limit: null, bufferSize);
            Assert.Equal(reference.Words, data.Words);
            Assert.Equal(Enumerable.Range(0, reference.Count).SelectMany(i => reference.GetRow(i).ToArray()), data.Vectors);
        }
    }
}

public sealed class HeaderGuardTests
{
    [Fact]
    public void AHeaderClaimingBillionsOfWordsDoesNotAllocateThem()
    {
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes("2000000000 3\na 1 2 3\n"));
        var ex = Assert.Throws<InvalidDataException>(() => KeyedVectors.Load(stream, WordVectorFormat.Word2VecText));
        Assert.Contains("header says 2000000000 words but the file ends after 1", ex.Message);
    }

    [Fact]
    public void AnAbsurdDimensionIsRejected()
    {
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes("1 100000000\na 1\n"));
        var ex = Assert.Throws<InvalidDataException>(() => KeyedVectors.Load(stream, WordVectorFormat.Word2VecText));
        Assert.Contains("line 1", ex.Message);
    }
}
