using System.Diagnostics;
using System.Globalization;
using Qianru.Models.Hub;

namespace Qianru.Cli.Infrastructure;

/// <summary>
/// Shows a Hub download on standard error: a one-line bar redrawn in place on a terminal, otherwise one line per
/// file as it starts.
/// </summary>
internal sealed class DownloadProgress : IProgress<HubDownloadProgress>, IDisposable
{
    private readonly TextWriter _error;
    private readonly bool _terminal;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private string? _file;
    private long _lastDraw = -1000;
    private bool _drawn;

    private DownloadProgress(TextWriter error, bool terminal)
    {
        _error = error;
        _terminal = terminal;
    }

    public static DownloadProgress Start(CliContext context) => new(context.Error, context.ErrorIsTerminal);

    public void Report(HubDownloadProgress value)
    {
        lock (_clock)
        {
            if (!_terminal)
            {
                if (value.File != _file)
                {
                    _file = value.File;
                    _error.WriteLine($"qianru: downloading {value.RepoId}: {value.File}{(value.FileTotal is { } size ? $" ({Size(size)})" : "")}");
                }

                return;
            }

            var done = value.Total is { } t && value.Bytes >= t;
            if (_clock.ElapsedMilliseconds - _lastDraw < 100 && !done)
            {
                return;
            }

            _lastDraw = _clock.ElapsedMilliseconds;
            const int width = 24;
            var fraction = value.Total is > 0 ? Math.Clamp((double)value.Bytes / value.Total.Value, 0, 1) : 0;
            var filled = (int)(fraction * width);
            var rate = value.Bytes / Math.Max(_clock.Elapsed.TotalSeconds, 1e-3);
            var total = value.Total is { } all ? Size(all) : "?";
            var line = $"\r{value.RepoId} [{new string('#', filled)}{new string('-', width - filled)}] {Size(value.Bytes)} / {total}  {Size((long)rate)}/s  {value.File}";
            _error.Write(line.PadRight(Math.Min(120, line.Length + 8)));
            _drawn = true;
        }
    }

    public void Dispose()
    {
        if (_drawn)
        {
            _error.WriteLine();
        }
    }

    public static string Size(long bytes) => bytes switch
    {
        < 1_000 => $"{bytes} B",
        < 1_000_000 => (bytes / 1e3).ToString("0.0", CultureInfo.InvariantCulture) + " kB",
        < 1_000_000_000 => (bytes / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + " MB",
        _ => (bytes / 1e9).ToString("0.00", CultureInfo.InvariantCulture) + " GB",
    };
}
