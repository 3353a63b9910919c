using System.Text;
using Qianru.IO;

namespace Qianru.Tests.IO;

/// <summary>
/// <see cref="AtomicFile"/> on real files: the target is the old file or the whole new one, never a part, and no
/// temporary file outlives a write, whether it succeeds, throws, is cancelled or races another writer.
/// </summary>
public sealed class AtomicFileTests : IDisposable
{
    private const int Chunk = 1 << 16;
    private readonly string _dir = Directory.CreateTempSubdirectory("qianru-atomic-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string[] Files() => [.. Directory.GetFileSystemEntries(_dir).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal)];

    private string Old(string name)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, "the old content, longer than the new one\n");
        return path;
    }

    [Fact]
    public void Write_replaces_the_whole_target_and_leaves_no_temporary_file()
    {
        var path = Old("target.bin");
        AtomicFile.Write(path, stream => stream.Write("new"u8));
        Assert.Equal("new"u8.ToArray(), File.ReadAllBytes(path));
        Assert.Equal(["target.bin"], Files());
    }

    [Fact]
    public void WriteFile_replaces_the_target_with_what_a_path_writer_wrote()
    {
        var path = Old("index.usearch");
        string? given = null;
        AtomicFile.WriteFile(path, temp =>
        {
            given = temp;
            Assert.Equal(Path.GetDirectoryName(path), Path.GetDirectoryName(temp));
            File.WriteAllBytes(temp, "new index"u8.ToArray());
        });
        Assert.NotEqual(path, given);
        Assert.Equal("new index"u8.ToArray(), File.ReadAllBytes(path));
        Assert.Equal(["index.usearch"], Files());
    }

    [Fact]
    public void A_path_writer_that_fails_midway_leaves_the_old_target_and_no_temporary_file()
    {
        var path = Old("index.usearch");
        var e = Assert.Throws<IOException>(() => AtomicFile.WriteFile(path, temp =>
        {
            File.WriteAllBytes(temp, new byte[Chunk]);
            throw new IOException("disk full");
        }));
        Assert.Equal("disk full", e.Message);
        Assert.Equal("the old content, longer than the new one\n", File.ReadAllText(path));
        Assert.Equal(["index.usearch"], Files());
    }

    [Fact]
    public void A_write_that_throws_midway_leaves_the_old_target_and_no_temporary_file()
    {
        var path = Old("target.bin");
        var failure = new InvalidDataException("row 7 is bad");
        string[]? during = null;

        var thrown = Assert.Throws<InvalidDataException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[4 * Chunk]); // past the stream's buffer: bytes are in the temporary file
            during = Files();
            throw failure;
        }));

        Assert.Same(failure, thrown);
        Assert.Equal(2, during!.Length); // the temporary file existed beside the target
        Assert.Equal("the old content, longer than the new one\n", File.ReadAllText(path));
        Assert.Equal(["target.bin"], Files());
    }

    [Fact]
    public void A_cancelled_write_leaves_the_old_target_and_no_temporary_file()
    {
        var path = Old("target.bin");
        using var cancellation = new CancellationTokenSource();
        var written = 0;

        Assert.Throws<OperationCanceledException>(() => AtomicFile.Write(path, stream =>
        {
            for (var i = 0; i < 1000; i++)
            {
                cancellation.Token.ThrowIfCancellationRequested();
                stream.Write(new byte[Chunk]);
                if (++written == 8)
                {
                    cancellation.Cancel();
                }
            }
        }));

        Assert.Equal(8, written);
        Assert.Equal("the old content, longer than the new one\n", File.ReadAllText(path));
        Assert.Equal(["target.bin"], Files());
    }

    [Fact]
    public void Disposing_without_commit_leaves_the_old_target_and_no_temporary_file()
    {
        var path = Old("target.bin");
        using (var file = AtomicFile.Create(path))
        {
            file.Stream.Write(new byte[3 * Chunk]);
        }

        Assert.Equal("the old content, longer than the new one\n", File.ReadAllText(path));
        Assert.Equal(["target.bin"], Files());
    }

    [Fact]
    public void A_rename_that_fails_leaves_no_temporary_file()
    {
        // The target is a folder holding a file, so the final rename over it is refused.
        var path = Path.Combine(_dir, "target");
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "inside.txt"), "kept");

        var thrown = Record.Exception(() => AtomicFile.WriteAllText(path, "new"));

        Assert.True(thrown is IOException or UnauthorizedAccessException, thrown?.ToString());
        Assert.Equal(["target"], Files());
        Assert.Equal("kept", File.ReadAllText(Path.Combine(path, "inside.txt")));
    }

    [Fact]
    public void A_missing_folder_is_an_error_and_is_not_created()
    {
        var path = Path.Combine(_dir, "missing", "target.bin");
        Assert.Throws<DirectoryNotFoundException>(() => AtomicFile.WriteAllBytes(path, "new"u8));
        Assert.Empty(Files());
    }

    [Fact]
    public void WriteAllText_writes_the_bytes_File_WriteAllText_writes()
    {
        const string text = "嵌入 vectors\nline two\n";
        File.WriteAllText(Path.Combine(_dir, "reference.txt"), text);
        AtomicFile.WriteAllText(Path.Combine(_dir, "atomic.txt"), text);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, "reference.txt")), File.ReadAllBytes(Path.Combine(_dir, "atomic.txt")));
        Assert.Equal(Encoding.UTF8.GetBytes(text), File.ReadAllBytes(Path.Combine(_dir, "atomic.txt")));
    }

    [Fact]
    public async Task Concurrent_writers_of_one_path_all_succeed_and_the_target_is_one_writers_whole_content()
    {
        const int writers = 6;
        const int chunks = 32; // 2 MiB each: long enough for the writes to overlap
        var path = Old("target.bin");
        for (var round = 0; round < 5; round++)
        {
            using var start = new Barrier(writers);
            var tasks = Enumerable.Range(0, writers).Select(w => Task.Factory.StartNew(
                () =>
                {
                    var block = Enumerable.Repeat((byte)(w + 1), Chunk).ToArray();
                    start.SignalAndWait();
                    AtomicFile.Write(path, stream =>
                    {
                        for (var i = 0; i < chunks; i++)
                        {
                            stream.Write(block);
                        }
                    });
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default)).ToArray();

            await Task.WhenAll(tasks); // throws if any writer failed

            var content = File.ReadAllBytes(path);
            Assert.Equal(chunks * Chunk, content.Length);
            Assert.InRange(content[0], (byte)1, (byte)writers);
            Assert.True(content.AsSpan().IndexOfAnyExcept(content[0]) < 0, $"round {round}: the target mixes two writers' bytes");
            Assert.Equal(["target.bin"], Files());
        }
    }
}
