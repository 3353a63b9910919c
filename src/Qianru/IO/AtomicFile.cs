using System.Globalization;
using System.Text;

namespace Qianru.IO;

/// <summary>
/// A file written under a temporary name beside its target and renamed over the target only when complete, so a
/// reader sees the old file or the whole new one, never a part.
/// </summary>
/// <remarks>
/// The temporary file is <c>TARGET.PID.GUID.tmp</c> in the target's folder (a rename within one file system is
/// atomic), created new, so concurrent writers of one target never share it: each renames its own whole file and the
/// last rename wins. <see cref="Commit"/> flushes the bytes to the disk before the rename, so a crash after it cannot
/// leave a target with missing bytes. Disposing without a successful <see cref="Commit"/> (an exception, a
/// cancellation) deletes the temporary file and leaves the target as it was. The target's folder must exist; creating
/// it is the caller's choice. One instance is for one thread.
/// </remarks>
internal sealed class AtomicFile : IDisposable
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    private readonly string _path;
    private readonly string _temp;
    private readonly FileStream _stream;
    private bool _committed;
    private bool _disposed;

    private AtomicFile(string path)
    {
        _path = path;
        _temp = string.Create(CultureInfo.InvariantCulture, $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        _stream = new FileStream(_temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
    }

    /// <summary>The temporary file's stream (writable and seekable); write the whole content, then <see cref="Commit"/>.</summary>
    public Stream Stream => _stream;

    /// <summary>Starts replacing <paramref name="path"/>: creates a new temporary file beside it.</summary>
    /// <exception cref="IOException">The folder does not exist or the temporary file cannot be created.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder is not writable.</exception>
    public static AtomicFile Create(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return new AtomicFile(path);
    }

    /// <summary>Replaces <paramref name="path"/> with what <paramref name="write"/> writes to the stream it is given.</summary>
    /// <remarks>An exception from <paramref name="write"/> (a cancellation too) leaves the target as it was and no temporary file.</remarks>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        using var file = Create(path);
        write(file.Stream);
        file.Commit();
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="bytes"/>.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        using var file = Create(path);
        file.Stream.Write(bytes);
        file.Commit();
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="text"/> in UTF-8 without a byte order mark, as <see cref="File.WriteAllText(string, string)"/> writes it.</summary>
    public static void WriteAllText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        WriteAllBytes(path, Utf8NoBom.GetBytes(text));
    }

    /// <summary>
    /// Replaces <paramref name="path"/> with the file <paramref name="writeFile"/> writes at the temporary path it is
    /// given: for writers that take a file name (a native library's save), not a stream.
    /// </summary>
    /// <remarks>An exception from <paramref name="writeFile"/> leaves the target as it was and no temporary file.</remarks>
    public static void WriteFile(string path, Action<string> writeFile)
    {
        ArgumentNullException.ThrowIfNull(writeFile);
        using var file = Create(path);
        file._stream.Dispose();
        writeFile(file._temp);
        using (var written = new FileStream(file._temp, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            written.Flush(flushToDisk: true);
        }

        File.Move(file._temp, file._path, overwrite: true);
        file._committed = true;
    }

    /// <summary>Flushes the temporary file to the disk, closes it and renames it over the target.</summary>
    /// <exception cref="InvalidOperationException">Already committed or disposed.</exception>
    public void Commit()
    {
        if (_committed || _disposed)
        {
            throw new InvalidOperationException($"{_path}: the atomic write is already {(_committed ? "committed" : "disposed")}");
        }

        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        File.Move(_temp, _path, overwrite: true);
        _committed = true;
    }

    /// <summary>Closes the temporary file and, unless <see cref="Commit"/> succeeded, deletes it; the target is left as it was.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_committed)
        {
            return;
        }

        try
        {
            _stream.Dispose();
        }
        catch (IOException)
        {
            // Closing writes out the stream's buffer, which can fail again (a full disk); the bytes are discarded anyway.
        }

        try
        {
            File.Delete(_temp);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Best effort: throwing here would hide the exception that abandoned the write.
        }
    }
}
