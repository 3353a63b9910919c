using Qianru.Cli.Infrastructure;

namespace Qianru.Cli;

/// <summary>Entry point of the <c>qianru</c> command.</summary>
public static class Program
{
    /// <summary>Runs the command line and returns the process exit code.</summary>
    public static int Main(string[] args)
    {
        Console.OutputEncoding = System.Text.Encoding.UTF8;
        var context = CliContext.FromConsole();
        return CliApp.Run(args, context);
    }
}
