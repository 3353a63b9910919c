using System.CommandLine;
using System.Text;
using Qianru.Cli.Infrastructure;
using Qianru.Cli.Tests.Support;

namespace Qianru.Cli.Tests.Docs;

/// <summary>
/// docs/cli.md is the real <c>--help</c> of every command. Regenerate it with
/// <c>QIANRU_UPDATE_DOCS=1 dotnet test tests/Qianru.Cli.Tests --filter CliReference</c>.
/// </summary>
public sealed class CliReferenceTests
{
    [Fact]
    public void Cli_reference_is_the_real_help_of_every_command()
    {
        var expected = Generate();
        var path = Path.Combine(RepositoryRoot(), "docs", "cli.md");
        if (Environment.GetEnvironmentVariable("QIANRU_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(path, expected);
        }

        Assert.True(File.Exists(path), $"{path} is missing; run with QIANRU_UPDATE_DOCS=1 to generate it.");
        var actual = File.ReadAllText(path).ReplaceLineEndings("\n");
        Assert.True(actual == expected, "docs/cli.md differs from the real --help output; regenerate it with QIANRU_UPDATE_DOCS=1 dotnet test tests/Qianru.Cli.Tests --filter CliReference");
    }

    private static string Generate()
    {
        var sb = new StringBuilder();
        sb.Append("# qianru command reference\n\n");
        sb.Append("Generated from the real `--help` of every command (a test keeps it in step with the code).\n");
        sb.Append("Exit codes: 0 success, 2 usage or input error (one line on stderr, no stack trace), 1 unexpected failure, 130 interrupted.\n\n");
        var root = CliApp.BuildRoot(new CliContext { Out = TextWriter.Null, Error = TextWriter.Null, OpenIn = () => TextReader.Null, OpenStdoutStream = () => Stream.Null });
        Append(sb, root, []);
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, Command command, List<string> path)
    {
        var title = path.Count == 0 ? "qianru" : "qianru " + string.Join(' ', path);
        var help = QianruCli.Run([.. path, "--help"]).Out.ReplaceLineEndings("\n").TrimEnd();
        sb.Append("## ").Append(title).Append("\n\n```text\n").Append(help).Append("\n```\n\n");
        foreach (var sub in command.Subcommands.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            Append(sb, sub, [.. path, sub.Name]);
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Qianru.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("The repository root (with Qianru.slnx) was not found above " + AppContext.BaseDirectory);
    }
}
