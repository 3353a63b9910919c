using System.Diagnostics;

namespace Qianru.Cli.Infrastructure;

/// <summary>A one-line progress bar on standard error, drawn only when it is a terminal.</summary>
internal sealed class ProgressBar : IProgress<int>, IDisposable
{
    private readonly TextWriter? _error;
    private readonly int _total;
    private readonly string _unit;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastDraw = -1000;
    private bool _drawn;

    private ProgressBar(TextWriter? error, int total, string unit)
    {
        _error = error;
        _total = total;
        _unit = unit;
    }

    /// <summary>A bar for <paramref name="total"/> items; silent unless stderr is a terminal and the work is long enough to matter.</summary>
    public static ProgressBar Start(CliContext context, int total, string unit = "texts", int minimum = 64) =>
        new(context.ErrorIsTerminal && total >= minimum ? context.Error : null, total, unit);

    public void Report(int value)
    {
        if (_error is null || (_clock.ElapsedMilliseconds - _lastDraw < 100 && value < _total))
        {
            return;
        }

        _lastDraw = _clock.ElapsedMilliseconds;
        const int width = 30;
        var filled = _total == 0 ? width : (int)((long)value * width / _total);
        var rate = value / Math.Max(_clock.Elapsed.TotalSeconds, 1e-3);
        _error.Write($"\r[{new string('#', filled)}{new string('-', width - filled)}] {value}/{_total} {_unit}  {rate:F1} {_unit}/s ");
        _drawn = true;
    }

    public void Dispose()
    {
        if (_drawn)
        {
            _error!.WriteLine();
        }
    }
}
