using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Qianru.Cli.Tests.Support;

namespace Qianru.Cli.Tests.Embedding;

/// <summary><c>qianru embed --model FOLDER</c> on a Hugging Face folder with weights and no ONNX export, and on broken ones (exit 2, one line).</summary>
public sealed class ImportedFolderCommandTests
{
    [Fact]
    public void A_folder_with_safetensors_and_no_onnx_embeds_with_the_reference_vector()
    {
        var dir = Fixture();
        var result = QianruCli.Run("embed", "--model", dir, "今天天气很好。");
        Assert.True(result.ExitCode == 0, result.Error);
        using var expected = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "expected.json")));
        var reference = expected.RootElement.GetProperty("items")[0];
        Assert.Equal("今天天气很好。", reference.GetProperty("text").GetString());
        var want = reference.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        using var line = JsonDocument.Parse(result.Out.Trim());
        var got = line.RootElement.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        Assert.Equal(want.Length, got.Length);
        Assert.All(want.Zip(got), p => Assert.True(Math.Abs(p.First - p.Second) < 1e-4, $"{p.First} vs {p.Second}"));
    }

    [Theory]
    [InlineData("not-json")]
    [InlineData("huge-header")]
    [InlineData("pickle")]
    [InlineData("model-type")]
    [InlineData("no-hidden-size")]
    public void A_broken_folder_exits_2_with_one_line(string kind)
    {
        var dir = Fixture();
        var weights = Path.Combine(dir, "model.safetensors");
        var expect = kind switch
        {
            "not-json" => Write(weights, Header("{oops")) + ": the safetensors header is not JSON",
            "huge-header" => Write(weights, BitConverter.GetBytes(200_000_000UL)) + ": the safetensors header claims 200000000 bytes",
            "pickle" => Pickle(dir, weights),
            "model-type" => Config(dir, "{\"model_type\": \"qwen3\"}") + ": model_type qwen3 is not supported",
            _ => Config(dir, "{\"model_type\": \"bert\"}") + ": hidden_size is missing",
        };
        var result = QianruCli.Run("embed", "--model", dir, "你好");
        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
        Assert.Contains(expect, result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Out);
    }

    private static string Fixture()
    {
        var dir = Path.Combine(Path.GetTempPath(), "qianru-tests", "cli-import-" + Guid.NewGuid().ToString("N")[..8]);
        var source = Path.Combine(AppContext.BaseDirectory, "Fixtures", "import", "bert-zh");
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(dir, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return dir;
    }

    private static byte[] Header(string json)
    {
        var bytes = new byte[8 + Encoding.UTF8.GetByteCount(json)];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)(bytes.Length - 8));
        Encoding.UTF8.GetBytes(json, bytes.AsSpan(8));
        return bytes;
    }

    private static string Write(string path, byte[] bytes)
    {
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static string Config(string dir, string json) => Write(Path.Combine(dir, "config.json"), Encoding.UTF8.GetBytes(json));

    private static string Pickle(string dir, string safetensors)
    {
        File.Delete(safetensors);
        var bin = Path.Combine(dir, "pytorch_model.bin");
        using (var zip = new System.IO.Compression.ZipArchive(File.Create(bin), System.IO.Compression.ZipArchiveMode.Create))
        {
            using var entry = zip.CreateEntry("archive/data.pkl").Open();
            entry.Write([0x80, 2, .. "cos\nsystem\nX\u0004\0\0\0true\u0085R."u8]);
        }

        return bin + " (archive/data.pkl): the pickle names os.system";
    }
}
