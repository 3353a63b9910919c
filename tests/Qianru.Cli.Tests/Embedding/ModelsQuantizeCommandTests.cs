using System.Text.Json;
using Qianru.Cli.Tests.Support;

namespace Qianru.Cli.Tests.Embedding;

public sealed class ModelsQuantizeCommandTests
{
    [Fact]
    public void Row_and_block_methods_write_folders_that_embed_close_to_float32()
    {
        var dir = QianruCli.TempDir();
        var texts = Golden.Items.Take(3).Select(i => i.Text).ToArray();
        var fp32 = Vectors(QianruCli.Run(["embed", .. texts]).Out);
        foreach (var (args, method, op) in new[]
        {
            (new[] { "--alpha", "0.5" }, "row-int8", "com.microsoft.MatMulIntegerToFloat"),
            (new[] { "--method", "block", "--block-size", "32" }, "block", "com.microsoft.MatMulNBits"),
            (new[] { "--reduce-range" }, "row-int8-7bit", "com.microsoft.MatMulIntegerToFloat"),
        })
        {
            var output = Path.Combine(dir, method);
            var result = QianruCli.Run(["models", "quantize", "minilm", output, .. args]);
            Assert.True(result.ExitCode == 0, result.Error);
            Assert.Contains("36 MatMuls quantized to int8", result.Out);
            using var record = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(output, "quantization.json")));
            Assert.Equal(method == "block" ? "block" : "row-int8", record.RootElement.GetProperty("method").GetString());
            if (method == "row-int8-7bit")
            {
                Assert.Contains("int8 (7-bit weights)", result.Out);
                Assert.Equal(7, record.RootElement.GetProperty("bits").GetInt32());
            }

            Assert.Equal(op, record.RootElement.GetProperty("operator").GetString());
            var int8 = Vectors(QianruCli.Run(["embed", "--model", output, .. texts]).Out);
            for (var i = 0; i < texts.Length; i++)
            {
                Assert.True(Golden.Cosine(fp32[i], int8[i]) >= 0.99, $"{method}, text {i}: cosine {Golden.Cosine(fp32[i], int8[i])}");
            }
        }

        Assert.Contains("SmoothQuant alpha 0.5", File.ReadAllText(Path.Combine(dir, "row-int8", "quantization.json")));
    }

    [Theory]
    [InlineData("--bits", "4")]
    [InlineData("--alpha", "1.5")]
    [InlineData("--method", "fp8")]
    public void Bad_settings_are_usage_errors(string option, string value)
    {
        var result = QianruCli.Run("models", "quantize", "minilm", Path.Combine(QianruCli.TempDir(), "q"), option, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(value, result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }

    private static float[][] Vectors(string jsonl) =>
        [.. jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.GetProperty("embedding").EnumerateArray().Select(x => x.GetSingle()).ToArray();
        })];
}
