using Qianru.WordVectors;

namespace Qianru.Tests.WordVectors;

/// <summary>Saving replaces the file whole: a failed save keeps the old file, and concurrent saves of one path do not collide.</summary>
public sealed class KeyedVectorsSaveTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("qianru-words-save-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string[] Files() => [.. Directory.GetFileSystemEntries(_dir).Select(p => Path.GetFileName(p)).Order(StringComparer.Ordinal)];

    private static KeyedVectors Random(int seed, int words, int dimensions, string? lastWord = null)
    {
        var random = new Random(seed);
        var names = Enumerable.Range(0, words).Select(i => $"w{seed}_{i}").ToArray();
        if (lastWord is not null)
        {
            names[^1] = lastWord;
        }

        var vectors = new float[words * dimensions];
        for (var i = 0; i < vectors.Length; i++)
        {
            vectors[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return KeyedVectors.Create(names, vectors, dimensions);
    }

    [Theory]
    [InlineData(WordVectorFormat.Word2VecText)]
    [InlineData(WordVectorFormat.GloVe)]
    public void A_save_that_fails_midway_keeps_the_old_file_and_leaves_no_temporary_file(WordVectorFormat format)
    {
        var path = Path.Combine(_dir, "vectors.txt");
        using (var old = Random(1, 10, 4))
        {
            old.Save(path, format);
        }

        var before = File.ReadAllBytes(path);

        // Thousands of rows are written before the last word, which text formats cannot hold, is reached.
        using var bad = Random(2, 5000, 50, lastWord: "two words");
        var error = Assert.Throws<ArgumentException>(() => bad.Save(path, format));

        Assert.Contains("'two words' contains white space", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["vectors.txt"], Files());
    }

    [Theory]
    [InlineData(WordVectorFormat.Word2VecBinary)]
    [InlineData(WordVectorFormat.Native)]
    public async Task Concurrent_saves_of_one_path_all_succeed_and_leave_one_whole_file(WordVectorFormat format)
    {
        const int savers = 4;
        var sets = Enumerable.Range(1, savers).Select(seed => Random(seed, 4000, 100)).ToArray();
        try
        {
            var path = Path.Combine(_dir, "vectors.bin");
            for (var round = 0; round < 3; round++)
            {
                using var start = new Barrier(savers);
                var tasks = sets.Select(set => Task.Factory.StartNew(
                    () =>
                    {
                        start.SignalAndWait();
                        set.Save(path, format);
                    },
                    CancellationToken.None,
                    TaskCreationOptions.LongRunning,
                    TaskScheduler.Default)).ToArray();

                await Task.WhenAll(tasks); // throws if any save failed

                using var saved = KeyedVectors.Load(path);
                var source = Assert.Single(sets, set => set.Words[0] == saved.Words[0]);
                Assert.Equal(source.Words, saved.Words);
                Assert.Equal(source.GetRow(source.Count - 1).ToArray(), saved.GetRow(saved.Count - 1).ToArray());
                Assert.Equal(["vectors.bin"], Files());
            }
        }
        finally
        {
            foreach (var set in sets)
            {
                set.Dispose();
            }
        }
    }
}
