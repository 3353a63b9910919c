using Qianru.WordVectors;

namespace Qianru.Tests.WordVectors;

/// <summary>
/// Training quality against gensim on the fixture corpus (same parameters). Neighbour lists of two gensim runs that differ
/// only in the seed overlap by a fraction g (recorded in expected.json: about 0.73 for skip-gram, 0.78 for CBOW); a correct
/// implementation is just another "seed", so its overlap with gensim should be near g. We require at least 0.8 g — a broken
/// window, negative sampler or learning rate drops it to chance (about 0.1 for 10 of 139 words). The analogy accuracy on the
/// fixture questions must be within 0.1 of gensim's.
/// </summary>
public sealed class Word2VecTrainerTests
{
    private static readonly Lazy<List<string[]>> CorpusLazy = new(GensimFixture.Corpus);

    private static Word2VecOptions GensimParameters(Word2VecArchitecture architecture, int threads = 1) => new()
    {
        Architecture = architecture,
        Dimensions = 24,
        Window = 5,
        MinCount = 5,
        Negative = 5,
        Sample = 1e-3,
        Epochs = 10,
        Threads = threads,
        Seed = 1,
    };

    [Theory]
    [InlineData(Word2VecArchitecture.SkipGram, "skipgram")]
    [InlineData(Word2VecArchitecture.Cbow, "cbow")]
    public void NeighboursOverlapWithGensimAsMuchAsGensimWithItself(Word2VecArchitecture architecture, string key)
    {
        using var kv = Word2VecTrainer.Train(CorpusLazy.Value, GensimParameters(architecture, threads: 2));
        var reference = GensimFixture.Expected.GetProperty("training");
        var topical = GensimFixture.Strings(reference.GetProperty("topical"));
        var expected = reference.GetProperty(key);
        var neighbours = expected.GetProperty("neighbours");
        var overlap = topical.Average(w => kv.MostSimilar(w, 10).Select(s => s.Word).Intersect(GensimFixture.Strings(neighbours.GetProperty(w))).Count() / 10.0);
        var seedToSeed = expected.GetProperty("seed_to_seed_overlap").GetDouble();
        Assert.True(overlap >= 0.8 * seedToSeed, $"overlap with gensim {overlap:0.000}, gensim seed-to-seed {seedToSeed:0.000}");
        var accuracy = kv.EvaluateWordAnalogies(GensimFixture.PathOf("questions.txt")).Score;
        var gensimAccuracy = expected.GetProperty("analogy_accuracy").GetDouble();
        Assert.True(accuracy >= gensimAccuracy - 0.1, $"analogy accuracy {accuracy:0.000}, gensim {gensimAccuracy:0.000}");
    }

    [Fact]
    public void VocabularyFollowsMinCountAndCountOrder()
    {
        var corpus = CorpusLazy.Value;
        using var kv = Word2VecTrainer.Train(corpus.Take(500), GensimParameters(Word2VecArchitecture.SkipGram));
        var counts = corpus.Take(500).SelectMany(s => s).GroupBy(w => w).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(counts.Count(c => c.Value >= 5), kv.Count);
        Assert.Equal(kv.Words.Select(w => counts[w]), kv.Counts!);
        Assert.True(kv.Counts!.Zip(kv.Counts!.Skip(1)).All(p => p.First >= p.Second));
    }

    [Fact]
    public void OneThreadIsReproducible()
    {
        var options = GensimParameters(Word2VecArchitecture.SkipGram);
        var part = CorpusLazy.Value.Take(800).ToList();
        using var a = Word2VecTrainer.Train(part, options);
        using var b = Word2VecTrainer.Train(part, options);
        Assert.Equal(a.GetRow(3).ToArray(), b.GetRow(3).ToArray());
    }

    [Fact]
    public void SubwordsGiveUnseenWordsVectorsNearTheirRelatives()
    {
        var options = new Word2VecOptions { Dimensions = 24, Epochs = 5, Subwords = true, Bucket = 20000, MinN = 3, MaxN = 5, Threads = 2 };
        using var kv = Word2VecTrainer.Train(CorpusLazy.Value, options);
        Assert.True(kv.HasSubwords);
        Assert.False(kv.Contains("kingdoms"));
        var unseen = kv.GetVector("kingdoms");
        Assert.Equal(24, unseen.Length);
        // "kingdoms" shares most n-grams with "kingdom": its nearest in-vocabulary word should be kingdom.
        Assert.Equal("kingdom", kv.MostSimilarToVector(unseen, 1)[0].Word);
        Assert.Contains(kv.MostSimilar("paris", 10), s => s.Word is "seine" or "france");

        // The native format keeps the n-gram vectors, so unseen words still get the same vectors after a round trip.
        var path = Path.Combine(Path.GetTempPath(), $"qianru-subwords-{Guid.NewGuid():N}.qwv");
        try
        {
            kv.Save(path, WordVectorFormat.Native);
            using var loaded = KeyedVectors.Load(path);
            Assert.True(loaded.HasSubwords);
            Assert.Equal(unseen, loaded.GetVector("kingdoms"));
            Assert.Equal(kv.GetVector("paris"), loaded.GetVector("paris"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void MinCountAboveEveryWordIsAClearError()
    {
        var ex = Assert.Throws<ArgumentException>(() => Word2VecTrainer.Train([["a", "b"]], new Word2VecOptions { MinCount = 3 }));
        Assert.Contains("min count", ex.Message);
    }

    [Fact]
    public void ReportsProgressWithWordsPerSecondAndLoss()
    {
        var reports = new List<Word2VecProgress>();
        var progress = new SyncProgress(reports.Add);
        using var kv = Word2VecTrainer.Train(CorpusLazy.Value.Take(1000), new Word2VecOptions { Dimensions = 8, Epochs = 2, Threads = 1 }, progress);
        var last = reports[^1];
        Assert.Equal(1.0, last.Fraction, 6);
        Assert.True(last.WordsPerSecond > 0);
    }

    private sealed class SyncProgress(Action<Word2VecProgress> action) : IProgress<Word2VecProgress>
    {
        public void Report(Word2VecProgress value) => action(value);
    }
}
