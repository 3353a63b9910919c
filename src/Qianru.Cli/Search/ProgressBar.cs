namespace Qianru.Cli.Search;

/// <summary>A one-line progress bar on stderr, drawn only when stderr is a terminal.</summary>
internal sealed class ProgressBar(TextWriter error, int total, bool enabled) : IProgress<int>
{
    private int _last = -1;

    public void Report(int value)
    {
        if (!enabled || total == 0 || value == _last)
        {
            return;
        }

        _last = value;
        const int Width = 30;
        var filled = (int)((long)Width * value / total);
        error.Write($"\r[{new string('#', filled)}{new string(' ', Width - filled)}] {value}/{total}");
        if (value >= total)
        {
            error.WriteLine();
        }

        error.Flush();
    }
}
