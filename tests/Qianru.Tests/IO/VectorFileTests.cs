using System.Text.Json;
using Qianru.IO;

namespace Qianru.Tests.IO;

public sealed class VectorFileTests : IDisposable
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "search");
    private readonly string _dir = Directory.CreateTempSubdirectory("qianru-vf-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Temp(string name) => Path.Combine(_dir, name);

    private static JsonElement Expected(string key)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures, "vector_files.json")));
        return doc.RootElement.GetProperty(key).Clone();
    }

    private static float[][] Values(JsonElement e) =>
        [.. e.EnumerateArray().Select(r => r.EnumerateArray().Select(x => (float)x.GetDouble()).ToArray())];

    [Fact]
    public void Reads_numpy_float32_file()
    {
        var expected = Values(Expected("f32").GetProperty("values"));
        var rows = VectorFile.Read(Path.Combine(Fixtures, "vectors_f32.npy"));
        Assert.Equal(5, rows.Length);
        for (var i = 0; i < rows.Length; i++)
        {
            Assert.Equal(expected[i], rows[i]);
        }
    }

    [Fact]
    public void Reads_numpy_float64_file_as_float32()
    {
        var expected = Values(Expected("f64").GetProperty("values_as_f32"));
        var rows = VectorFile.Read(Path.Combine(Fixtures, "vectors_f64.npy"));
        Assert.Equal(expected.Length, rows.Length);
        for (var i = 0; i < rows.Length; i++)
        {
            Assert.Equal(expected[i], rows[i]);
        }
    }

    [Fact]
    public void Writes_npy_bytes_identical_to_numpy_save()
    {
        var rows = VectorFile.Read(Path.Combine(Fixtures, "vectors_f32.npy"));
        var path = Temp("out.npy");
        VectorFile.Write(path, rows);
        Assert.Equal(File.ReadAllBytes(Path.Combine(Fixtures, "vectors_f32.npy")), File.ReadAllBytes(path));
    }

    [Theory]
    [InlineData("vectors_f32_fortran.npy", "Fortran")]
    [InlineData("vectors_1d.npy", "2-D")]
    [InlineData("vectors_int.npy", "'<i4'")]
    [InlineData("vectors_nan.npy", "row 3, column 3 is NaN")]
    public void Rejects_unsupported_npy_with_a_clear_message(string file, string fragment)
    {
        var e = Assert.Throws<InvalidDataException>(() => VectorFile.Read(Path.Combine(Fixtures, file)));
        Assert.Contains(fragment, e.Message);
        Assert.Contains(file, e.Message);
    }

    [Theory]
    [InlineData("v.npy")]
    [InlineData("v.jsonl")]
    [InlineData("v.csv")]
    [InlineData("v.TSV")]
    public void Round_trips_every_format_exactly(string name)
    {
        var random = new Random(7);
        var rows = Enumerable.Range(0, 13)
            .Select(_ => Enumerable.Range(0, 9).Select(_ => (float)(random.NextDouble() * 2 - 1) * MathF.Pow(10, random.Next(-8, 8))).ToArray())
            .ToArray();
        var path = Temp(name);
        VectorFile.Write(path, rows);
        var back = VectorFile.Read(path);
        Assert.Equal(rows.Length, back.Length);
        for (var i = 0; i < rows.Length; i++)
        {
            Assert.Equal(rows[i], back[i]);
        }
    }

    [Fact]
    public void Reads_jsonl_embedding_field_and_bare_arrays()
    {
        var path = Temp("a.jsonl");
        File.WriteAllText(path, "{\"id\": \"x\", \"embedding\": [1, 2.5, -3e-2]}\n\n[4, 5, 6]\n");
        var rows = VectorFile.Read(path);
        Assert.Equal([1f, 2.5f, -0.03f], rows[0]);
        Assert.Equal([4f, 5f, 6f], rows[1]);
    }

    [Fact]
    public void Csv_header_is_skipped()
    {
        var path = Temp("h.csv");
        File.WriteAllText(path, "x,y,z\n1,2,3\n4, 5 ,6\n");
        var rows = VectorFile.Read(path);
        Assert.Equal(2, rows.Length);
        Assert.Equal([4f, 5f, 6f], rows[1]);
    }

    [Theory]
    [InlineData("b.csv", "x,y\n1,2\n3,abc\n", "line 3, column 2: 'abc' is not a number")]
    [InlineData("b.tsv", "1\t2\n3\t4\t5\n", "line 2 has 3 values but line 1 has 2")]
    [InlineData("b.csv", "1,2\n3,nan\n", "line 2, column 2: 'nan' is NaN")]
    [InlineData("b.csv", "1,2\n3,-Infinity\n", "line 2, column 2: '-Infinity' is infinity")]
    [InlineData("b.csv", "1,2\n3,1e39\n", "outside the float32 range")]
    [InlineData("b.jsonl", "[1,2]\n[1,2,3]\n", "line 2 has 3 values but line 1 has 2")]
    [InlineData("b.jsonl", "[1,2]\n[1,\"a\"]\n", "line 2, column 2: '\"a\"' is not a number")]
    [InlineData("b.jsonl", "[1,2]\n[1,NaN]\n", "line 2: not valid JSON")]
    [InlineData("b.jsonl", "[1,2]\n[1,1e400]\n", "line 2, column 2")]
    [InlineData("b.jsonl", "{\"text\": \"no vector\"}\n", "line 1: expected a JSON array")]
    public void Bad_text_files_name_file_line_and_column(string name, string content, string fragment)
    {
        var path = Temp(name);
        File.WriteAllText(path, content);
        var e = Assert.Throws<InvalidDataException>(() => VectorFile.Read(path));
        Assert.Contains(fragment, e.Message);
        Assert.StartsWith(path, e.Message);
    }

    [Fact]
    public void Unknown_extension_and_missing_file_are_clear_errors()
    {
        Assert.Contains("'.txt'", Assert.Throws<NotSupportedException>(() => VectorFile.Read(Temp("a.txt"))).Message);
        Assert.Throws<FileNotFoundException>(() => VectorFile.Read(Temp("missing.npy")));
    }

    [Fact]
    public void Write_refuses_ragged_rows_and_nan()
    {
        Assert.Contains("row 1 has 1 values", Assert.Throws<ArgumentException>(
            () => VectorFile.Write(Temp("r.npy"), [[1f, 2f], [3f]])).Message);
        Assert.Contains("row 0, column 2", Assert.Throws<ArgumentException>(
            () => VectorFile.Write(Temp("r.csv"), [[1f, float.NaN]])).Message);
        Assert.False(File.Exists(Temp("r.npy")));
    }
}
