using System.CommandLine;
using System.CommandLine.Parsing;
using System.Reflection;
using Qianru.Cli.Commands;

namespace Qianru.Cli.Infrastructure;

/// <summary>Builds the root command from every <see cref="ICliCommand"/> and runs it with uniform error handling.</summary>
internal static class CliApp
{
    /// <summary>
    /// The top-level commands, in the order <c>qianru --help</c> lists them (by name). A new command is one file
    /// under <c>Commands/</c> and one line here.
    /// </summary>
    private static readonly ICliCommand[] Commands =
    [
        new ClusterCommand(),
        new DemoCommand(),
        new EmbedCommand(),
        new IndexCommand(),
        new KnnCommand(),
        new ModelsCommand(),
        new OneHotCommand(),
        new ParaphraseCommand(),
        new SearchCommand(),
        new ServeCommand(),
        new SimilarityCommand(),
        new TokenizeCommand(),
        new WordsCommand(),
    ];

    public static RootCommand BuildRoot(CliContext context)
    {
        var root = new RootCommand("Qianru (嵌入): text embeddings, similarity, search and clustering on your CPU.");
        foreach (var command in Commands)
        {
            root.Subcommands.Add(command.Build(context));
        }

        return root;
    }

    /// <summary>
    /// How long a command may take to stop after Ctrl+C before it is abandoned: loops check the cancellation token
    /// and stop in milliseconds, but a step that cannot be interrupted (creating an ONNX Runtime session, parsing a
    /// model) is not waited for.
    /// </summary>
    public static readonly TimeSpan CancelGrace = TimeSpan.FromSeconds(1);

    public static int Run(string[] args, CliContext context) => Run(args, context, out _);

    /// <summary>
    /// Runs the command line; <paramref name="abandoned"/> tells that the command was still running
    /// <see cref="CancelGrace"/> after Ctrl+C, so the caller should end the process at once.
    /// </summary>
    public static int Run(string[] args, CliContext context, out bool abandoned)
    {
        abandoned = false;
        var root = BuildRoot(context);
        var parse = root.Parse(args);
        var error = parse.Errors.Count > 0
            ? parse.Errors.OrderBy(e => e.Message.StartsWith("Required command", StringComparison.Ordinal) ? 1 : 0).First().Message
            : UnknownOption(parse);
        if (error is not null)
        {
            var oneLine = string.Join(' ', error.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            context.Error.WriteLine($"qianru: {oneLine} (see 'qianru {string.Join(' ', CommandPath(parse))} --help')".Replace("qianru  --help", "qianru --help", StringComparison.Ordinal));
            return ExitCodes.UsageError;
        }

        // Ctrl+C (SIGINT) cancels the command's token: every long loop checks it and the command ends within a
        // second with exit code 130; a command still busy after CancelGrace is abandoned. A second Ctrl+C ends the
        // process at once.
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (cancel.IsCancellationRequested)
            {
                context.Error.WriteLine("qianru: cancelled");
                Environment.Exit(ExitCodes.Cancelled);
            }

            e.Cancel = true;
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            var help = parse.Tokens.Any(t => t.Type == TokenType.Option && t.Value is "-h" or "--help" or "-?" or "/?")
                || parse.Action is System.CommandLine.Help.HelpAction;
            var helpOutput = help ? new StringWriter() : null;
            var config = new InvocationConfiguration
            {
                Output = helpOutput ?? context.Out,
                Error = context.Error,
                EnableDefaultExceptionHandler = false,
            };
            // The command runs off this thread, so a Ctrl+C is answered even while it is inside a step that cannot stop.
            var invocation = Task.Run(() => parse.InvokeAsync(config, cancel.Token));
            if (!WaitUntilDoneOrCancelled(invocation, cancel.Token) && !Finished(invocation, CancelGrace))
            {
                abandoned = true;
                context.Error.WriteLine("qianru: cancelled");
                return ExitCodes.Cancelled;
            }

            var code = invocation.GetAwaiter().GetResult();
            if (helpOutput is not null)
            {
                // The usage line names the executable (Qianru.Cli, dotnet, testhost); the command is qianru.
                context.Out.Write(System.Text.RegularExpressions.Regex.Replace(helpOutput.ToString(), @"(Usage:\r?\n  )\S+", "${1}qianru"));
            }

            return code;
        }
        catch (Exception ex)
        {
            // After Ctrl+C, whatever stopped the command (a cancelled loop, an interrupted model run) is the cancellation.
            return ReportError(cancel.IsCancellationRequested ? new OperationCanceledException(cancel.Token) : ex, context.Error);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static bool WaitUntilDoneOrCancelled(Task invocation, CancellationToken cancellationToken)
    {
        try
        {
            invocation.Wait(cancellationToken);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (AggregateException)
        {
            return true; // failed: the caller rethrows its exception
        }
    }

    private static bool Finished(Task invocation, TimeSpan timeout)
    {
        try
        {
            return invocation.Wait(timeout);
        }
        catch (AggregateException)
        {
            return true;
        }
    }

    /// <summary>Reports an exception as one line on stderr and returns its exit code.</summary>
    public static int ReportError(Exception ex, TextWriter error)
    {
        while (ex is AggregateException { InnerExceptions.Count: 1 } or TargetInvocationException && ex.InnerException is not null)
        {
            ex = ex.InnerException!;
        }

        if (ex is OperationCanceledException || (ex is AggregateException all && all.Flatten().InnerExceptions.All(e => e is OperationCanceledException)))
        {
            error.WriteLine("qianru: cancelled");
            return ExitCodes.Cancelled;
        }

        var isUserError = ex is CliUsageException or ArgumentException or FileNotFoundException or DirectoryNotFoundException
            or InvalidDataException or NotSupportedException or FormatException or UnauthorizedAccessException
            or Qianru.QianruException or IOException;
        var message = ex.Message.ReplaceLineEndings(" ");
        error.WriteLine(isUserError ? $"qianru: {message}" : $"qianru: internal error ({ex.GetType().Name}): {message}");
        if (Environment.GetEnvironmentVariable("QIANRU_DEBUG") == "1")
        {
            error.WriteLine(ex.ToString());
        }

        return isUserError ? ExitCodes.UsageError : ExitCodes.Failure;
    }

    /// <summary>
    /// A token such as <c>--bogus</c> that System.CommandLine took as a positional text; texts that start with
    /// "--" must come after a "--" separator.
    /// </summary>
    private static string? UnknownOption(ParseResult parse)
    {
        foreach (var token in parse.Tokens)
        {
            if (token.Type == TokenType.DoubleDash)
            {
                return null;
            }

            if (token.Type == TokenType.Argument && token.Value.StartsWith("--", StringComparison.Ordinal) && token.Value.Length > 2)
            {
                return $"unknown option {token.Value} (a text that starts with '--' goes after a '--' separator)";
            }
        }

        return null;
    }

    private static IEnumerable<string> CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var r = parse.CommandResult; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
        {
            if (r.Command is not RootCommand)
            {
                names.Insert(0, r.Command.Name);
            }
        }

        return names;
    }
}
