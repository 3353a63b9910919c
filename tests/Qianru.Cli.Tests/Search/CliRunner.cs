using System.Text;
using Qianru.Cli.Tests.Support;

namespace Qianru.Cli.Tests.Search;

/// <summary>Runs a qianru command in-process (<see cref="QianruCli"/>) and returns stdout (text and bytes, as text) and stderr.</summary>
internal static class CliRunner
{
    public static (int Code, string Out, string Error) Run(string workingDirectory, params string[] args)
    {
        var result = QianruCli.RunIn(workingDirectory, null, args);
        return (result.ExitCode, result.Out + Encoding.UTF8.GetString(result.StdoutBytes), result.Error);
    }
}
