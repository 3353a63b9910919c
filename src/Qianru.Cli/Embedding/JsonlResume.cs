using System.Globalization;
using System.Text.Json;

namespace Qianru.Cli.Embedding;

/// <summary>
/// <c>qianru embed --resume</c>: inspects the jsonl output an interrupted run left and cuts it back to whole windows.
/// </summary>
/// <remarks>
/// A cut last row (no newline: the process died while writing it) is dropped. The rows must be this run's: the first
/// holds the index the run starts at and every row after it the next index (checked on the first and last rows).
/// Rows of the last, unfinished window are dropped too, so the window is embedded again whole, as in an uninterrupted
/// run, and the resumed file is byte for byte the file an uninterrupted run writes.
/// </remarks>
internal static class JsonlResume
{
    /// <summary>What is kept: the rows (a whole number of windows), and the index, text and length of the last kept row.</summary>
    public readonly record struct Kept(long Rows, long LastIndex, string? LastText, int Dimensions);

    /// <summary>
    /// Inspects <paramref name="path"/> (shown as <paramref name="shownAs"/>), which should hold rows from index
    /// <paramref name="start"/> on, and truncates it after the last whole window of <paramref name="windowSize"/> rows
    /// (or after all rows when they reach <paramref name="end"/>).
    /// </summary>
    public static Kept CutBack(string path, string shownAs, long start, long end, int windowSize)
    {
        if (!File.Exists(path))
        {
            return new Kept(0, start - 1, null, 0);
        }

        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1 << 16);

        // One pass over the bytes: the complete rows, where each window's first row starts, and where the last row starts.
        var windowStarts = new List<long> { 0 };
        var buffer = new byte[1 << 20];
        long rows = 0, offset = 0, completeEnd = 0; // completeEnd: the byte after the last newline
        int n;
        while ((n = file.Read(buffer)) > 0)
        {
            var span = buffer.AsSpan(0, n);
            var at = 0;
            int newline;
            while ((newline = span[at..].IndexOf((byte)'\n')) >= 0)
            {
                at += newline + 1;
                completeEnd = offset + at;
                rows++;
                if (rows % windowSize == 0)
                {
                    windowStarts.Add(offset + at);
                }
            }

            offset += n;
        }

        if (rows == 0)
        {
            file.SetLength(0);
            return new Kept(0, start - 1, null, 0);
        }

        var first = ReadRow(file, 0, shownAs, 1);
        if (first.Index != start)
        {
            throw Mismatch(shownAs, $"its first row has index {first.Index} but this run starts at text {start} (another --shard, --window or input?)");
        }

        var keep = start + rows >= end ? rows : rows / windowSize * windowSize;
        var lastStart = FindRowStart(file, completeEnd);
        var last = ReadRow(file, lastStart, shownAs, rows);
        if (last.Index != start + rows - 1)
        {
            throw Mismatch(shownAs, $"row {rows} has index {last.Index}, not {start + rows - 1}: rows are missing or repeated");
        }

        if (keep == 0)
        {
            file.SetLength(0);
            return new Kept(0, start - 1, null, 0);
        }

        var cut = keep == rows ? completeEnd : windowStarts[(int)(keep / windowSize)];
        var kept = keep == rows ? last : ReadRow(file, FindRowStart(file, cut), shownAs, keep);
        if (kept.Index != start + keep - 1)
        {
            throw Mismatch(shownAs, $"row {keep} has index {kept.Index}, not {start + keep - 1}: rows are missing or repeated");
        }

        file.SetLength(cut);
        return new Kept(keep, kept.Index, kept.Text, kept.Dimensions);
    }

    private static InvalidDataException Mismatch(string shownAs, string why) =>
        new($"--resume: {shownAs} is not the output of this run: {why}. Remove it, or run without --resume.");

    /// <summary>The start of the row that ends just before <paramref name="end"/> (the byte after its newline).</summary>
    private static long FindRowStart(FileStream file, long end)
    {
        var position = end - 1; // the row's newline
        var buffer = new byte[1 << 16];
        while (position > 0)
        {
            var from = Math.Max(0, position - buffer.Length);
            file.Position = from;
            var count = (int)(position - from);
            file.ReadExactly(buffer, 0, count);
            var newline = buffer.AsSpan(0, count).LastIndexOf((byte)'\n');
            if (newline >= 0)
            {
                return from + newline + 1;
            }

            position = from;
        }

        return 0;
    }

    private static (long Index, string? Text, int Dimensions) ReadRow(FileStream file, long rowStart, string shownAs, long rowNumber)
    {
        file.Position = rowStart;
        var bytes = new List<byte>(4096);
        int b;
        while ((b = file.ReadByte()) >= 0 && b != '\n')
        {
            bytes.Add((byte)b);
        }

        try
        {
            using var doc = JsonDocument.Parse(bytes.ToArray());
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("index", out var index) && index.TryGetInt64(out var i)
                && root.TryGetProperty("embedding", out var embedding) && embedding.ValueKind == JsonValueKind.Array)
            {
                var text = root.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                return (i, text, embedding.GetArrayLength());
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
        }

        throw Mismatch(shownAs, string.Create(CultureInfo.InvariantCulture, $"row {rowNumber} is not a qianru embed jsonl row ({{\"index\": …, \"text\": …, \"embedding\": […]}})"));
    }
}
