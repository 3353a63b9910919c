using System.CommandLine;

namespace Qianru.Cli.Infrastructure;

/// <summary>
/// One top-level command of <c>qianru</c>. Every non-abstract class implementing this interface with a public
/// parameterless constructor is found by reflection and added to the root command, so adding a command is
/// adding one file under <c>Commands/</c>.
/// </summary>
internal interface ICliCommand
{
    /// <summary>Builds the command; its actions write through <paramref name="context"/> and return an exit code.</summary>
    Command Build(CliContext context);
}
