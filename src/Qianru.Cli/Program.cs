using Qianru.Cli.Infrastructure;

namespace Qianru.Cli;

/// <summary>Entry point of the <c>qianru</c> command.</summary>
public static partial class Program
{
    /// <summary>Runs the command line and returns the process exit code.</summary>
    public static int Main(string[] args)
    {
        Console.OutputEncoding = System.Text.Encoding.UTF8;
        var context = CliContext.FromConsole();
        var code = CliApp.Run(args, context, out var abandoned);
        if (abandoned)
        {
            // The command is still inside a step that cannot be interrupted (native code, perhaps): end the process
            // now, without running shutdown code that could race with it.
            Console.Out.Flush();
            Console.Error.Flush();
            if (!OperatingSystem.IsWindows())
            {
                ExitNow(code);
            }

            Environment.Exit(code);
        }

        return code;
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void ExitNow(int status);
}
