namespace Qianru.Cli.Infrastructure;

/// <summary>The exit codes of <c>qianru</c>.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>An unexpected failure (a bug): reported in one line, details with QIANRU_DEBUG=1.</summary>
    public const int Failure = 1;

    /// <summary>Usage or input errors: bad options, missing or corrupt files, unknown models, bad values.</summary>
    public const int UsageError = 2;

    /// <summary>Interrupted (Ctrl+C).</summary>
    public const int Cancelled = 130;
}
