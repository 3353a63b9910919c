using Qianru.IO;
using Qianru.WordVectors;

namespace Qianru.Tests.Robustness;

/// <summary>The file readers check their cancellation token while they read (every 1024 rows).</summary>
public sealed class ReaderCancellationTests
{
    [Theory]
    [InlineData(".npy")]
    [InlineData(".jsonl")]
    [InlineData(".csv")]
    public void Vector_files_stop_reading_when_cancelled(string extension)
    {
        var path = Path.Combine(Path.GetTempPath(), $"qianru-cancel-{Guid.NewGuid():N}{extension}");
        try
        {
            VectorFile.Write(path, [.. Enumerable.Range(0, 5000).Select(i => new[] { i, 1f, 2f })]);
            Assert.Equal(5000, VectorFile.Read(path).Length);
            using var source = new CancellationTokenSource();
            source.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() => VectorFile.Read(path, source.Token));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(WordVectorFormat.Word2VecText)]
    [InlineData(WordVectorFormat.GloVe)]
    [InlineData(WordVectorFormat.Word2VecBinary)]
    public void Word_vectors_stop_loading_when_cancelled(WordVectorFormat format)
    {
        var path = Path.Combine(Path.GetTempPath(), $"qianru-cancel-{Guid.NewGuid():N}.txt");
        try
        {
            var words = Enumerable.Range(0, 5000).Select(i => "w" + i).ToArray();
            using (var kv = KeyedVectors.Create(words, Enumerable.Range(0, 5000 * 4).Select(i => (float)i).ToArray(), 4))
            {
                kv.Save(path, format);
            }

            using var source = new CancellationTokenSource();
            source.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() => KeyedVectors.Load(path, null, source.Token));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_fasttext_model_stops_loading_when_cancelled()
    {
        using var source = new CancellationTokenSource();
        source.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => KeyedVectors.Load(Path.Combine(AppContext.BaseDirectory, "Fixtures", "fasttext", "tiny.bin"), null, source.Token));
    }
}
