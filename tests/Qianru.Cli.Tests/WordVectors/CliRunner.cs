using Qianru.Cli.Tests.Support;

namespace Qianru.Cli.Tests.WordVectors;

/// <summary>Runs <c>qianru</c> in-process (<see cref="QianruCli"/>), as (exit code, stdout text, stderr).</summary>
internal static class CliRunner
{
    public static (int Exit, string Out, string Error) Run(params string[] args)
    {
        var result = QianruCli.Run(args);
        return (result.ExitCode, result.Out, result.Error);
    }
}
