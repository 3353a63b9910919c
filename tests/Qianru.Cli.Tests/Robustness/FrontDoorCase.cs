namespace Qianru.Cli.Tests.Robustness;

/// <summary>One row of the CLI front-door table: a command line, the files it finds, and what it must answer.</summary>
/// <param name="Name">What the row checks (the test's display name).</param>
/// <param name="Args">The command line after <c>qianru</c>, run in a fresh folder holding <see cref="Files"/>.</param>
/// <param name="Exit">The expected exit code.</param>
/// <param name="Fragment">Text the one-line message (stderr) holds; for exit 0, text standard output holds.</param>
public sealed record FrontDoorCase(string Name, string[] Args, int Exit, string Fragment)
{
    /// <summary>Files to create first (relative name → bytes); a name ending in '/' is a folder.</summary>
    public IReadOnlyDictionary<string, byte[]> Files { get; init; } = new Dictionary<string, byte[]>();

    /// <summary>Symbolic links to create first (link name → target name).</summary>
    public IReadOnlyDictionary<string, string> SymbolicLinks { get; init; } = new Dictionary<string, string>();

    /// <summary>Hard links to create first (link name → target name).</summary>
    public IReadOnlyDictionary<string, string> HardLinks { get; init; } = new Dictionary<string, string>();

    /// <summary>Raw bytes of standard input.</summary>
    public byte[]? Stdin { get; init; }

    /// <summary>Commands to run first, each expected to succeed (e.g. <c>index create</c>).</summary>
    public IReadOnlyList<string[]> Setup { get; init; } = [];

    /// <summary>A file that must hold the same bytes afterwards (the input of an output-over-input attempt).</summary>
    public string? Unchanged { get; init; }

    public override string ToString() => Name;
}
