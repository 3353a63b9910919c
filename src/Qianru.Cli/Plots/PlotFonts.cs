namespace Qianru.Cli.Plots;

/// <summary>
/// Picks a font that can draw a plot's labels; Chinese labels need a CJK font (e.g. Debian's fonts-noto-cjk). When
/// none is installed the labels would silently draw as boxes, so the first such plot of a run says which package to install.
/// </summary>
internal static class PlotFonts
{
    /// <summary>The warning printed (once per run) when Chinese labels meet a machine without a CJK font.</summary>
    public const string MissingCjkFont =
        "warning: no CJK font is installed, so the plot's Chinese labels will draw as boxes; install one and plot again " +
        "(Debian/Ubuntu: apt-get install fonts-noto-cjk; Fedora: dnf install google-noto-sans-cjk-fonts; Alpine: apk add font-noto-cjk).";

    private static int _warned;

    /// <summary>The font for <paramref name="text"/>; writes <see cref="MissingCjkFont"/> to <paramref name="warnings"/> once per run when it has CJK characters and no CJK font exists.</summary>
    public static string For(string text, TextWriter? warnings = null) =>
        Pick(text, SkiaSharp.SKFontManager.Default.FontFamilies, ScottPlot.Fonts.Detect(text), warnings, ref _warned);

    /// <summary>Whether a font that can draw Chinese is installed.</summary>
    public static bool HasCjkFont => SkiaSharp.SKFontManager.Default.FontFamilies.Any(IsCjk);

    internal static string Pick(string text, IEnumerable<string> families, string detected, TextWriter? warnings, ref int warned)
    {
        if (!text.Any(c => c >= '\u2E80'))
        {
            return detected;
        }

        var list = families.ToList();
        var cjk = list.FirstOrDefault(f => f.Contains("CJK SC", StringComparison.Ordinal)) ?? list.FirstOrDefault(IsCjk);
        if (cjk is null && warnings is not null && Interlocked.Exchange(ref warned, 1) == 0)
        {
            warnings.WriteLine(MissingCjkFont);
        }

        return cjk ?? detected;
    }

    private static bool IsCjk(string family) =>
        family.Contains("CJK", StringComparison.Ordinal) || family.Contains("WenQuanYi", StringComparison.Ordinal);
}
