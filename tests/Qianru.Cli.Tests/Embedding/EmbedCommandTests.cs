using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Qianru.Cli.Tests.Support;

namespace Qianru.Cli.Tests.Embedding;

public sealed class EmbedCommandTests
{
    [Fact]
    public void Golden_texts_through_the_cli_match_the_reference()
    {
        var dir = QianruCli.TempDir();
        var input = Path.Combine(dir, "golden.jsonl");
        File.WriteAllLines(input, Golden.Items.Select(i => JsonSerializer.Serialize(new { text = i.Text })));
        var result = QianruCli.Run("embed", "--input", input);
        Assert.Equal(0, result.ExitCode);
        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Golden.Items.Count, lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            using var doc = JsonDocument.Parse(lines[i]);
            Assert.Equal(i, doc.RootElement.GetProperty("index").GetInt32());
            Assert.Equal(Golden.Items[i].Text, doc.RootElement.GetProperty("text").GetString());
            var vector = doc.RootElement.GetProperty("embedding").EnumerateArray().Select(x => x.GetSingle()).ToArray();
            Assert.True(Golden.Cosine(vector, Golden.Items[i].Embedding) >= 0.9999, $"item {i}");
            Assert.True(Golden.MaxAbsDiff(vector, Golden.Items[i].Embedding) <= 1e-4, $"item {i}");
        }

        Assert.Contains("1 of 12 texts were longer than 256 tokens", result.Error);
    }

    [Fact]
    public void Golden_token_ids_through_tokenize_jsonl()
    {
        var args = new List<string> { "tokenize", "--format", "jsonl", "--" };
        args.AddRange(Golden.Items.Select(i => i.Text));
        var result = QianruCli.Run([.. args]);
        Assert.Equal(0, result.ExitCode);
        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < Golden.Items.Count; i++)
        {
            using var doc = JsonDocument.Parse(lines[i]);
            Assert.Equal(Golden.Items[i].TokenIds, doc.RootElement.GetProperty("ids").EnumerateArray().Select(x => x.GetInt64()));
            Assert.Equal(Golden.Items[i].Tokens, doc.RootElement.GetProperty("tokens").EnumerateArray().Select(x => x.GetString()!));
        }
    }

    [Fact]
    public void Tokenize_jsonl_gives_code_point_offsets_of_each_token()
    {
        var result = QianruCli.Run("tokenize", "--format", "jsonl", "I had a café 😀");
        Assert.Equal(0, result.ExitCode);
        using var doc = JsonDocument.Parse(result.Out.Trim());
        var offsets = doc.RootElement.GetProperty("offsets").EnumerateArray()
            .Select(o => o.ValueKind == JsonValueKind.Null ? "none" : $"{o[0].GetInt32()}-{o[1].GetInt32()}").ToArray();
        Assert.Equal(["none", "0-1", "2-5", "6-7", "8-12", "13-14", "none"], offsets); // i had a cafe [UNK](😀 is one code point)
    }

    [Fact]
    public void Npy_output_is_a_float32_matrix_in_input_order()
    {
        var texts = new[] { "Hello, world!", "This is an example sentence", "Hello, world!" };
        var npy = QianruCli.Run(["embed", "--format", "npy", .. texts]);
        Assert.Equal(0, npy.ExitCode);
        var (shape, data) = ParseNpy(npy.StdoutBytes);
        Assert.Equal([3, 384], shape);
        var jsonl = QianruCli.Run(["embed", .. texts]);
        var expected = jsonl.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("embedding").EnumerateArray().Select(x => x.GetSingle()).ToArray()).ToArray();
        for (var r = 0; r < 3; r++)
        {
            Assert.Equal(expected[r], data.Skip(r * 384).Take(384));
        }

        var golden = Golden.Items.First(i => i.Text == "This is an example sentence");
        Assert.True(Golden.Cosine(data.Skip(384).Take(384).ToArray(), golden.Embedding) >= 0.9999);
    }

    [Fact]
    public void Csv_json_and_output_file_formats()
    {
        var dir = QianruCli.TempDir();
        var file = Path.Combine(dir, "out.csv");
        Assert.Equal(0, QianruCli.Run("embed", "--format", "csv", "--output", file, "a", "b").ExitCode);
        var lines = File.ReadAllLines(file);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("d0,d1,", lines[0]);
        Assert.Equal(384, lines[1].Split(',').Length);

        var json = QianruCli.Run("embed", "--format", "json", "--dimensions", "32", "x");
        using var doc = JsonDocument.Parse(json.Out);
        Assert.Equal(32, doc.RootElement[0].GetProperty("embedding").GetArrayLength());
    }

    [Fact]
    public void Stdin_and_text_files_are_read_one_text_per_line()
    {
        var viaStdin = QianruCli.RunWithInput("Hello, world!\nshort\n", "embed", "--input", "-");
        Assert.Equal(0, viaStdin.ExitCode);
        Assert.Equal(2, viaStdin.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var viaArgs = QianruCli.Run("embed", "Hello, world!", "short");
        Assert.Equal(viaArgs.Out, viaStdin.Out);
    }

    [Fact]
    public void Options_prompt_and_no_normalize_change_the_vectors()
    {
        var plain = First(QianruCli.Run("embed", "--no-normalize", "Hello").Out);
        var norm = Math.Sqrt(plain.Sum(x => (double)x * x));
        Assert.True(Math.Abs(norm - 1) > 0.01);
        var prompted = First(QianruCli.Run("embed", "--prompt", "query: ", "Hello").Out);
        var manual = First(QianruCli.Run("embed", "query: Hello").Out);
        Assert.Equal(manual, prompted);
        var arcticQuery = First(QianruCli.Run("embed", "--model", "arctic-xs", "--prompt-name", "query", "fox").Out);
        var arcticManual = First(QianruCli.Run("embed", "--model", "arctic-xs", "Represent this sentence for searching relevant passages: fox").Out);
        Assert.Equal(arcticManual, arcticQuery);
    }

    [Fact]
    public void Chinese_text_on_the_english_model_gets_a_warning_naming_a_chinese_model()
    {
        var result = QianruCli.Run("embed", "业绩增长", "服务挂了");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("mostly [UNK]", result.Error);
        Assert.Contains("bge-small-zh", result.Error);
    }

    [Theory]
    [InlineData("embed")]
    [InlineData("embed", "--model", "no-such-model", "x")]
    [InlineData("embed", "--input", "/no/such/file.txt")]
    [InlineData("embed", "--format", "xml", "x")]
    [InlineData("embed", "--batch-size", "0", "x")]
    [InlineData("embed", "--dimensions", "999", "x")]
    [InlineData("embed", "--prompt-name", "nope", "x")]
    [InlineData("embed", "--bogus", "x")]
    [InlineData("embed", "--output", "/no/such/folder/out.jsonl", "x")]
    [InlineData("frobnicate")]
    public void Usage_and_input_errors_are_one_line_with_exit_code_2(params string[] args)
    {
        var result = QianruCli.Run(args);
        Assert.Equal(2, result.ExitCode);
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("qianru: ", lines[0]);
        Assert.DoesNotContain("   at ", result.Error);
        Assert.Equal("", result.Out);
    }

    [Fact]
    public void A_jsonl_line_without_text_names_the_file_and_line()
    {
        var dir = QianruCli.TempDir();
        var file = Path.Combine(dir, "bad.jsonl");
        File.WriteAllText(file, "{\"text\": \"ok\"}\n{\"txt\": \"no\"}\n");
        var result = QianruCli.Run("embed", "--input", file);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("bad.jsonl:2", result.Error);
    }

    [Fact]
    public void The_real_executable_embeds_and_reports_errors_with_exit_code_2()
    {
        var ok = QianruCli.RunProcess(null, "embed", "Hello, world!");
        Assert.Equal(0, ok.ExitCode);
        var golden = Golden.Items.First(i => i.Text == "Hello, world!");
        using var doc = JsonDocument.Parse(ok.Out);
        var vector = doc.RootElement.GetProperty("embedding").EnumerateArray().Select(x => x.GetSingle()).ToArray();
        Assert.True(Golden.Cosine(vector, golden.Embedding) >= 0.9999);

        var bad = QianruCli.RunProcess(null, "embed", "--model", "/no/such/model");
        Assert.Equal(2, bad.ExitCode);
        Assert.Single(bad.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Models_lists_the_embedded_models()
    {
        var result = QianruCli.Run("models");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("minilm (default)\t384\t256\tmean\tyes", result.Out);
        Assert.Contains("arctic-xs\t384\t512\tcls\tyes", result.Out);
        using var doc = JsonDocument.Parse(QianruCli.Run("models", "--format", "json").Out);
        Assert.Equal(4, doc.RootElement.GetArrayLength());
        Assert.Contains("minilm-int8\t384\t256\tmean\tyes", result.Out);
    }

    private static float[] First(string jsonl) =>
        JsonDocument.Parse(jsonl.Split('\n')[0]).RootElement.GetProperty("embedding").EnumerateArray().Select(x => x.GetSingle()).ToArray();

    private static (int[] Shape, float[] Data) ParseNpy(byte[] bytes)
    {
        Assert.Equal("\x93NUMPY", Encoding.Latin1.GetString(bytes, 0, 6));
        var headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        var header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.Contains("'descr': '<f4'", header);
        Assert.Equal(0, (10 + headerLength) % 64);
        var shapeText = header[(header.IndexOf("'shape': (", StringComparison.Ordinal) + 10)..];
        shapeText = shapeText[..shapeText.IndexOf(')')];
        var shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        var data = new float[(bytes.Length - 10 - headerLength) / 4];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(10 + headerLength + i * 4));
        }

        return (shape, data);
    }
}
