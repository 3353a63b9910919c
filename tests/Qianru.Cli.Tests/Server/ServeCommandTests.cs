using Qianru.Cli.Infrastructure;

namespace Qianru.Cli.Tests.Server;

/// <summary><c>qianru serve</c> refuses bad options (an empty API key among them) in one line with exit code 2, before binding a port.</summary>
public sealed class ServeCommandTests
{
    [Theory]
    [InlineData("--port", "70000", "--port 70000")]
    [InlineData("--max-batch-tokens", "0", "--max-batch-tokens 0")]
    [InlineData("--max-concurrent-requests", "-1", "--max-concurrent-requests -1")]
    [InlineData("--threads", "0", "--threads 0")]
    [InlineData("--model", "no-such-model", "unknown model 'no-such-model'")]
    [InlineData("--host", "example.com", "--host example.com")]
    [InlineData("--api-key", "", "--api-key is empty; give a key, or unset it to serve without one.")]
    [InlineData("--api-key", " key", "--api-key starts or ends with whitespace")]
    [InlineData("--allowed-hosts", "bad host!", "--allowed-hosts: 'bad host!' is not a host name")]
    [InlineData("--drain-seconds", "-1", "--drain-seconds -1")]
    public void BadOptionIsOneLineAndExitCode2(string option, string value, string expected)
    {
        string[] args = option == "--port" ? ["serve", option, value] : ["serve", option, value, "--port", "0"];
        var (code, _, error) = QianruCli.Run(args);
        Assert.Equal(ExitCodes.UsageError, code);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("qianru: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyApiKeyVariableIsAnErrorNotAnOpenServer()
    {
        // As from `QIANRU_API_KEY=$UNSET qianru serve`: the variable is set, to nothing. A server that kept running
        // would make the run time out and fail.
        var (code, _, error) = QianruCli.RunProcessWithEnvironment(new Dictionary<string, string?> { ["QIANRU_API_KEY"] = "" }, null, "serve", "--port", "0");
        Assert.Equal(ExitCodes.UsageError, code);
        Assert.Equal("qianru: $QIANRU_API_KEY is empty; give a key, or unset it to serve without one.", error.Trim());
    }
}
