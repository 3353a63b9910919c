using Qianru.Cli.Infrastructure;

namespace Qianru.Cli.Tests.Server;

/// <summary><c>qianru serve</c> refuses bad options in one line with exit code 2, before binding a port.</summary>
public sealed class ServeCommandTests
{
    [Theory]
    [InlineData("--port", "70000", "--port 70000")]
    [InlineData("--max-batch-tokens", "0", "--max-batch-tokens 0")]
    [InlineData("--max-concurrent-requests", "-1", "--max-concurrent-requests -1")]
    [InlineData("--threads", "0", "--threads 0")]
    [InlineData("--model", "no-such-model", "unknown model 'no-such-model'")]
    [InlineData("--host", "example.com", "--host example.com")]
    public void BadOptionIsOneLineAndExitCode2(string option, string value, string expected)
    {
        var error = new StringWriter();
        var context = new CliContext
        {
            Out = new StringWriter(),
            Error = error,
            OpenIn = () => new StringReader(""),
            OpenStdoutStream = () => new MemoryStream(),
        };

        string[] args = option == "--port" ? ["serve", option, value] : ["serve", option, value, "--port", "0"];
        var code = CliApp.Run(args, context);
        Assert.Equal(ExitCodes.UsageError, code);
        var lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("qianru: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
    }
}
