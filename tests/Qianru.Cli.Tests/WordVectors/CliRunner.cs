using Qianru.Cli.Infrastructure;

namespace Qianru.Cli.Tests.WordVectors;

internal static class CliRunner
{
    public static (int Exit, string Out, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var context = new CliContext
        {
            Out = output,
            Error = error,
            OpenIn = () => new StringReader(""),
            OpenStdoutStream = () => new MemoryStream(),
        };
        var exit = CliApp.Run(args, context);
        return (exit, output.ToString(), error.ToString());
    }
}
