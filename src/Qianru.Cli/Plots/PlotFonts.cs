namespace Qianru.Cli.Plots;

/// <summary>Picks a font that can draw a plot's labels; Chinese labels need a CJK font (e.g. Debian's fonts-noto-cjk).</summary>
internal static class PlotFonts
{
    public static string For(string text)
    {
        var detected = ScottPlot.Fonts.Detect(text);
        if (!text.Any(c => c >= '\u2E80'))
        {
            return detected;
        }

        var families = SkiaSharp.SKFontManager.Default.FontFamilies;
        return families.FirstOrDefault(f => f.Contains("CJK SC", StringComparison.Ordinal))
            ?? families.FirstOrDefault(f => f.Contains("CJK", StringComparison.Ordinal))
            ?? families.FirstOrDefault(f => f.Contains("WenQuanYi", StringComparison.Ordinal))
            ?? detected;
    }

    /// <summary>Whether a font that can draw Chinese is installed.</summary>
    public static bool HasCjkFont => SkiaSharp.SKFontManager.Default.FontFamilies.Any(f => f.Contains("CJK", StringComparison.Ordinal) || f.Contains("WenQuanYi", StringComparison.Ordinal));
}
