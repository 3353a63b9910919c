using System.CommandLine;

namespace Qianru.Cli.Infrastructure;

/// <summary>
/// One top-level command of <c>qianru</c>; <see cref="CliApp"/> lists them all, so adding a command is adding one
/// file under <c>Commands/</c> and one line to that list.
/// </summary>
internal interface ICliCommand
{
    /// <summary>Builds the command; its actions write through <paramref name="context"/> and return an exit code.</summary>
    Command Build(CliContext context);
}
