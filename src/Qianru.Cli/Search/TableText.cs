using System.Globalization;
using System.Text;

namespace Qianru.Cli.Search;

/// <summary>Aligns columns of a plain-text table, counting East Asian wide characters as two columns.</summary>
internal static class TableText
{
    public static void Write(TextWriter writer, IReadOnlyList<string> header, IEnumerable<string[]> rows, int lastColumnLeft = 1)
    {
        var all = new List<string[]> { header.ToArray() };
        all.AddRange(rows);
        var widths = new int[header.Count];
        foreach (var row in all)
        {
            for (var i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], Width(row[i]));
            }
        }

        foreach (var row in all)
        {
            var line = new StringBuilder();
            for (var i = 0; i < row.Length; i++)
            {
                var pad = new string(' ', widths[i] - Width(row[i]));
                var left = i >= row.Length - lastColumnLeft;
                line.Append(left ? row[i] + (i == row.Length - 1 ? "" : pad) : pad + row[i]);
                if (i < row.Length - 1)
                {
                    line.Append("  ");
                }
            }

            writer.WriteLine(line.ToString().TrimEnd());
        }
    }

    public static string Number(float value) => value.ToString("F6", CultureInfo.InvariantCulture);

    private static int Width(string text)
    {
        var width = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            var v = rune.Value;
            var wide = v is >= 0x1100 and <= 0x115F or >= 0x2E80 and <= 0xA4CF or >= 0xAC00 and <= 0xD7A3
                or >= 0xF900 and <= 0xFAFF or >= 0xFE30 and <= 0xFE4F or >= 0xFF00 and <= 0xFF60 or >= 0xFFE0 and <= 0xFFE6
                or >= 0x20000 and <= 0x3FFFD;
            width += wide ? 2 : 1;
        }

        return width;
    }
}
