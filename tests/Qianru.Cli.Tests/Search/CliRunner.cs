using System.Text;
using Qianru.Cli.Infrastructure;

namespace Qianru.Cli.Tests.Search;

/// <summary>Runs a qianru command in-process and captures stdout (text and bytes) and stderr.</summary>
internal static class CliRunner
{
    public static (int Code, string Out, string Error) Run(string workingDirectory, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var bytes = new MemoryStream();
        var context = new CliContext
        {
            Out = output,
            Error = error,
            OpenIn = () => new StringReader(""),
            OpenStdoutStream = () => bytes,
            WorkingDirectory = workingDirectory,
        };
        var code = CliApp.Run(args, context);
        return (code, output + Encoding.UTF8.GetString(bytes.ToArray()), error.ToString());
    }
}
