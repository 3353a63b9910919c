using Qianru.Cli.Tests.Support;

namespace Qianru.Cli.Tests.Embedding;

/// <summary>
/// Nothing is recorded about the user: ONNX Runtime 1.31's telemetry (which writes a "ProcessInfo" event to
/// ~/.cache/Microsoft/DeveloperTools/.onnxruntime/ when its environment is created) stays off by default.
/// </summary>
public sealed class TelemetryTests
{
    [Fact]
    public void An_embedding_records_no_onnx_runtime_telemetry_event()
    {
        var home = QianruCli.TempDir();
        var result = QianruCli.RunProcessWithEnvironment(
            new Dictionary<string, string?>
            {
                ["HOME"] = home,
                ["XDG_CACHE_HOME"] = null,
                ["ORT_DISABLE_TELEMETRY"] = null,
                ["QIANRU_ORT_TELEMETRY"] = null,
            },
            null,
            "embed", "hi");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("{\"index\":0", result.Out, StringComparison.Ordinal);
        var telemetry = Path.Combine(home, ".cache", "Microsoft", "DeveloperTools");
        var recorded = Directory.Exists(telemetry) ? Directory.GetFiles(telemetry, "*", SearchOption.AllDirectories) : [];
        Assert.True(recorded.Length == 0, $"ONNX Runtime recorded telemetry: {string.Join(", ", recorded)}");
    }
}
