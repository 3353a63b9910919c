namespace Qianru.Cli.Infrastructure;

/// <summary>A usage or input error found by the CLI itself: reported in one line with exit code 2.</summary>
internal sealed class CliUsageException(string message) : Exception(message);
