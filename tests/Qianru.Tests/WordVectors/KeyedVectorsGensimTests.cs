using System.Text.Json;
using Qianru.WordVectors;

namespace Qianru.Tests.WordVectors;

/// <summary>Queries on vectors that gensim trained and saved, against gensim's own answers (expected.json).</summary>
public sealed class KeyedVectorsGensimTests
{
    private const double Tolerance = 1e-5;
    private static readonly Lazy<KeyedVectors> Vectors = new(() => KeyedVectors.Load(GensimFixture.PathOf("vectors.txt")));

    private static KeyedVectors Kv => Vectors.Value;

    private static JsonElement E => GensimFixture.Expected;

    private static void AssertSameResults(JsonElement expected, IReadOnlyList<WordScore> actual)
    {
        var want = GensimFixture.Results(expected);
        Assert.Equal(want.Select(w => w.Word), actual.Select(a => a.Word));
        for (var i = 0; i < want.Count; i++)
        {
            Assert.True(Math.Abs(want[i].Score - actual[i].Score) <= Tolerance, $"{want[i].Word}: gensim {want[i].Score}, qianru {actual[i].Score}");
        }
    }

    [Fact]
    public void LoadsTheWordsAndVectorsGensimSaved()
    {
        Assert.Equal(E.GetProperty("count").GetInt32(), Kv.Count);
        Assert.Equal(E.GetProperty("dim").GetInt32(), Kv.Dimensions);
        Assert.Equal(GensimFixture.Strings(E.GetProperty("first_words")), Kv.Words.Take(5));
        var first = E.GetProperty("first_vector").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
        Assert.Equal(first, Kv.GetRow(0).ToArray());
    }

    [Fact]
    public void MostSimilarMatchesGensimTop10()
    {
        foreach (var probe in E.GetProperty("most_similar").EnumerateObject())
        {
            AssertSameResults(probe.Value, Kv.MostSimilar(probe.Name, 10));
        }
    }

    [Fact]
    public void MostSimilarWithPositiveAndNegativeMatchesGensim()
    {
        foreach (var q in E.GetProperty("most_similar_posneg").EnumerateArray())
        {
            var result = q.GetProperty("result");
            AssertSameResults(result, Kv.MostSimilar(GensimFixture.Strings(q.GetProperty("positive")), GensimFixture.Strings(q.GetProperty("negative")), result.GetArrayLength()));
        }

        var r = E.GetProperty("most_similar_restrict");
        AssertSameResults(r.GetProperty("result"), Kv.MostSimilar([r.GetProperty("word").GetString()!], null, 10, r.GetProperty("restrict_vocab").GetInt32()));
    }

    [Fact]
    public void MostSimilarCosmulMatchesGensim()
    {
        foreach (var q in E.GetProperty("most_similar_cosmul").EnumerateArray())
        {
            AssertSameResults(q.GetProperty("result"), Kv.MostSimilarCosmul(GensimFixture.Strings(q.GetProperty("positive")), GensimFixture.Strings(q.GetProperty("negative")), 10));
        }
    }

    [Fact]
    public void SimilarityNSimilarityAndDoesntMatchMatchGensim()
    {
        foreach (var s in E.GetProperty("similarity").EnumerateArray())
        {
            Assert.Equal(s[2].GetDouble(), Kv.Similarity(s[0].GetString()!, s[1].GetString()!), Tolerance);
        }

        foreach (var s in E.GetProperty("n_similarity").EnumerateArray())
        {
            Assert.Equal(s[2].GetDouble(), Kv.NSimilarity(GensimFixture.Strings(s[0]), GensimFixture.Strings(s[1])), Tolerance);
        }

        foreach (var s in E.GetProperty("doesnt_match").EnumerateArray())
        {
            Assert.Equal(s[1].GetString(), Kv.DoesntMatch(GensimFixture.Strings(s[0])));
        }
    }

    [Theory]
    [InlineData("evaluate_word_analogies", 300000)]
    [InlineData("evaluate_word_analogies_restrict60", 60)]
    public void AnalogyEvaluationMatchesGensimSections(string key, int restrictVocab)
    {
        var expected = E.GetProperty(key);
        var actual = Kv.EvaluateWordAnalogies(GensimFixture.PathOf("questions.txt"), restrictVocab);
        Assert.Equal(expected.GetProperty("score").GetDouble(), actual.Score, 1e-12);
        var sections = expected.GetProperty("sections").EnumerateArray()
            .Select(s => new AnalogySection(s.GetProperty("section").GetString()!, s.GetProperty("correct").GetInt32(), s.GetProperty("incorrect").GetInt32()));
        Assert.Equal(sections, actual.Sections);
    }

    [Fact]
    public void AnalogyIsAMinusBPlusC()
    {
        var posneg = E.GetProperty("most_similar_posneg")[0];
        AssertSameResults(posneg.GetProperty("result"), Kv.Analogy("king", "man", "woman", 10));
    }

    [Fact]
    public void UnknownWordIsAClearError()
    {
        var ex = Assert.Throws<UnknownWordException>(() => Kv.MostSimilar("zebra"));
        Assert.Contains("'zebra'", ex.Message);
        Assert.Equal("zebra", ex.Word);
    }
}
