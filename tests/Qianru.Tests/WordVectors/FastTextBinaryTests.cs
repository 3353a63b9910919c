using System.Globalization;
using Qianru.WordVectors;

namespace Qianru.Tests.WordVectors;

/// <summary>
/// fastText .bin models against the fastText CLI itself: Fixtures/fasttext/tiny.bin and the output of
/// <c>fasttext print-word-vectors</c> for words in and out of its vocabulary (made by make_fixture.sh).
/// </summary>
public sealed class FastTextBinaryTests
{
    private static string Folder => Path.Combine(AppContext.BaseDirectory, "Fixtures", "fasttext");

    private static string Model => Path.Combine(Folder, "tiny.bin");

    public static TheoryData<string> Words() => ["king", "queen", "paris", "业绩", "增长", "kingdoms", "queenly", "业绩增长", "zzzz", "parisian"];

    [Theory]
    [MemberData(nameof(Words))]
    public void Vectors_equal_fasttext_print_word_vectors_in_and_out_of_the_vocabulary(string word)
    {
        var expected = File.ReadAllLines(Path.Combine(Folder, "expected_vectors.txt"))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Single(p => p[0] == word)[1..]
            .Select(x => float.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        using var vectors = KeyedVectors.Load(Model);
        Assert.True(vectors.HasVector(word));
        var actual = vectors.GetVector(word);
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            // print-word-vectors writes five significant digits: at most half a unit of the fifth off.
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 5.1e-5 * Math.Max(1, Math.Abs(expected[i])), $"{word}[{i}]: fastText {expected[i]}, Qianru {actual[i]}");
        }
    }

    [Fact]
    public void The_model_is_detected_and_keeps_its_vocabulary_counts_and_subwords()
    {
        Assert.Equal(WordVectorFormat.FastTextBinary, KeyedVectors.DetectFormat(Model));
        using var vectors = KeyedVectors.Load(Model);
        Assert.Equal(8, vectors.Dimensions);
        Assert.Equal(153, vectors.Count); // "Number of words: 153" in the CLI's training output
        Assert.True(vectors.Contains("king"));
        Assert.False(vectors.Contains("kingdoms"));
        Assert.NotEmpty(vectors.MostSimilar("kingdoms", 3));

        using var limited = KeyedVectors.Load(Model, new WordVectorLoadOptions { Limit = 10 });
        Assert.Equal(10, limited.Count);
        Assert.Throws<NotSupportedException>(() => vectors.Save(Path.Combine(Path.GetTempPath(), "x.bin"), WordVectorFormat.FastTextBinary));
    }

    [Fact]
    public void A_truncated_model_is_a_clear_error()
    {
        var path = Path.Combine(Path.GetTempPath(), $"qianru-ft-{Guid.NewGuid():N}.bin");
        try
        {
            var bytes = File.ReadAllBytes(Model);
            File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
            var e = Assert.Throws<InvalidDataException>(() => KeyedVectors.Load(path));
            Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
