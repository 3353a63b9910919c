using Qianru.Clustering;
using Qianru.IO;
using Qianru.Search;
using Qianru.Similarity;
using Qianru.Tests.Support;

namespace Qianru.Tests.Numerics;

/// <summary>The one vector currency: the matrix, its conversions, and that every consumer gives the same answer for it as for arrays.</summary>
public sealed class VectorMatrixTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("qianru-vm-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static float[][] RandomRows(int rows, int dims, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, dims).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray())];
    }

    [Fact]
    public void FromRows_and_ToArrays_round_trip_and_rows_are_views()
    {
        var rows = RandomRows(7, 5, 1);
        var matrix = VectorMatrix.FromRows(rows);
        Assert.Equal(7, matrix.Rows);
        Assert.Equal(5, matrix.Dimensions);
        Assert.Equal(rows, matrix.ToArrays());
        matrix[3][2] = 42f;
        Assert.Equal(42f, matrix.AsSpan()[(3 * 5) + 2]);
        Assert.NotEqual(42f, rows[3][2]);
    }

    [Fact]
    public void Wrap_keeps_the_array_and_checks_whole_rows()
    {
        var values = new float[] { 1, 2, 3, 4, 5, 6 };
        var matrix = VectorMatrix.Wrap(values, 3);
        Assert.Equal(2, matrix.Rows);
        values[4] = 9;
        Assert.Equal(9, matrix[1][1]);
        var e = Assert.Throws<ArgumentException>(() => VectorMatrix.Wrap(values, 4));
        Assert.Contains("6 values do not make whole rows of 4", e.Message);
    }

    [Theory]
    [InlineData(new[] { 3, 3, 2 }, "row 2 has 2 values but row 0 has 3")]
    [InlineData(new[] { 0 }, "row 0 has no values")]
    public void FromRows_names_the_bad_row(int[] lengths, string fragment)
    {
        var rows = lengths.Select(n => new float[n]).ToArray();
        var e = Assert.Throws<ArgumentException>(() => VectorMatrix.FromRows(rows));
        Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void Out_of_range_rows_are_refused()
    {
        var matrix = new VectorMatrix(2, 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Row(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Row(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.SelectRows([0, 5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VectorMatrix(-1, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VectorMatrix(1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VectorMatrix(int.MaxValue, 2));
    }

    [Fact]
    public void SelectRows_copies_the_rows_in_the_given_order()
    {
        var rows = RandomRows(6, 4, 2);
        var selected = VectorMatrix.FromRows(rows).SelectRows([5, 0, 5]);
        Assert.Equal([rows[5], rows[0], rows[5]], selected.ToArrays());
    }

    [Fact]
    public void NormalizeRows_matches_a_double_precision_unit_vector_and_leaves_zero_rows_zero()
    {
        var rows = RandomRows(5, 384, 3);
        rows[2] = new float[384];
        var matrix = VectorMatrix.FromRows(rows);
        matrix.NormalizeRows();
        for (var i = 0; i < rows.Length; i++)
        {
            var norm = Math.Sqrt(rows[i].Sum(v => (double)v * v));
            for (var j = 0; j < 384; j++)
            {
                var expected = norm == 0 ? 0 : rows[i][j] / norm;
                Assert.True(Math.Abs(matrix[i][j] - expected) < 1e-6, $"row {i}, column {j}: {matrix[i][j]} vs {expected}");
            }
        }
    }

    [Fact]
    public void EmbedMatrix_holds_exactly_what_EmbedBatch_returns()
    {
        string[] texts = ["这个接口返回的参数不对", "short", "", "A longer sentence to make the batch uneven in length."];
        var embedder = SharedEmbedders.MiniLm;
        var arrays = embedder.EmbedBatch(texts, new EmbedOptions { BatchSize = 2 });
        var matrix = embedder.EmbedMatrix(texts, new EmbedOptions { BatchSize = 2 });
        Assert.Equal(arrays, matrix.ToArrays());
        var truncated = embedder.EmbedMatrix(texts, new EmbedOptions { Dimensions = 64 });
        Assert.Equal(64, truncated.Dimensions);
        Assert.Equal(texts.Length, truncated.Rows);
    }

    [Fact]
    public void EmbeddingBatch_Vectors_are_one_set_of_arrays_whoever_reads_them_first()
    {
        var batch = SharedEmbedders.MiniLm.Encode(["one", "two", "three"]);
        var seen = new IReadOnlyList<float[]>[16];
        Parallel.For(0, seen.Length, i => seen[i] = batch.Vectors);
        Assert.All(seen, v => Assert.Same(seen[0], v));
        Assert.Equal(batch.Matrix.ToArrays(), seen[0]);
    }

    [Theory]
    [InlineData(VectorIndexKind.Exact, SimilarityMetric.Cosine)]
    [InlineData(VectorIndexKind.Exact, SimilarityMetric.Euclidean)]
    [InlineData(VectorIndexKind.Exact, SimilarityMetric.Manhattan)]
    [InlineData(VectorIndexKind.Int8, SimilarityMetric.Dot)]
    [InlineData(VectorIndexKind.Binary, SimilarityMetric.Cosine)]
    [InlineData(VectorIndexKind.Hnsw, SimilarityMetric.Cosine)]
    public void Every_index_gives_the_same_hits_for_a_matrix_as_for_arrays(VectorIndexKind kind, SimilarityMetric metric)
    {
        var corpus = RandomRows(500, 48, 4);
        var queries = RandomRows(30, 48, 5);
        var fromArrays = VectorIndexBuilder.Build(corpus, kind, metric);
        var fromMatrix = VectorIndexBuilder.Build(VectorMatrix.FromRows(corpus), kind, metric);
        try
        {
            // HNSW graphs built on several threads differ run to run, so only the deterministic kinds compare builds;
            // every kind compares the two query shapes on one index.
            var b = fromMatrix.Search(VectorMatrix.FromRows(queries), 10);
            AssertSameHits(fromMatrix.Search(queries, 10), b);
            if (kind != VectorIndexKind.Hnsw)
            {
                AssertSameHits(fromArrays.Search(queries, 10), b);
            }

            var one = fromMatrix.Search(queries[7].AsSpan(), 10);
            Assert.Equal(b[7].Select(h => h.Id), one.Select(h => h.Id));
        }
        finally
        {
            (fromArrays as IDisposable)?.Dispose();
            (fromMatrix as IDisposable)?.Dispose();
        }
    }

    private static void AssertSameHits(SearchHit[][] a, SearchHit[][] b)
    {
        Assert.Equal(a.Length, b.Length);
        for (var q = 0; q < a.Length; q++)
        {
            Assert.Equal(a[q].Select(h => h.Id), b[q].Select(h => h.Id));
            Assert.Equal(a[q].Select(h => h.Score), b[q].Select(h => h.Score));
        }
    }

    [Fact]
    public void A_query_matrix_of_the_wrong_width_is_refused_by_every_index()
    {
        var corpus = VectorMatrix.FromRows(RandomRows(50, 16, 6));
        var queries = VectorMatrix.FromRows(RandomRows(2, 8, 7));
        foreach (var kind in new[] { VectorIndexKind.Exact, VectorIndexKind.Int8, VectorIndexKind.Binary, VectorIndexKind.Hnsw })
        {
            var index = VectorIndexBuilder.Build(corpus, kind);
            try
            {
                var e = Assert.Throws<ArgumentException>(() => index.Search(queries, 3));
                Assert.Contains("8 dimensions", e.Message);
            }
            finally
            {
                (index as IDisposable)?.Dispose();
            }
        }
    }

    [Fact]
    public void Clustering_gives_the_same_result_for_a_matrix_as_for_arrays()
    {
        var rows = RandomRows(400, 12, 8);
        var matrix = VectorMatrix.FromRows(rows);
        var kmeansA = KMeans.Fit(rows, new KMeansOptions { Clusters = 5, RandomState = 3 });
        var kmeansB = KMeans.Fit(matrix, new KMeansOptions { Clusters = 5, RandomState = 3 });
        Assert.Equal(kmeansA.Labels, kmeansB.Labels);
        Assert.Equal(kmeansA.Inertia, kmeansB.Inertia);
        var dbscanA = Dbscan.Fit(rows, new DbscanOptions { Eps = 1.2, MinSamples = 4 });
        var dbscanB = Dbscan.Fit(matrix, new DbscanOptions { Eps = 1.2, MinSamples = 4 });
        Assert.Equal(dbscanA.Labels, dbscanB.Labels);
        Assert.Equal(CommunityDetection.Find(rows, 0.3, 3), CommunityDetection.Find(matrix, 0.3, 3));
        Assert.Equal(ClusterMetrics.Silhouette(rows, kmeansA.Labels), ClusterMetrics.Silhouette(matrix, kmeansA.Labels));
        Assert.Equal(Pca.Project(rows), Pca.Project(matrix));
        Assert.Equal(
            SemanticSearch.MineParaphrases(rows).Select(p => (p.First, p.Second, p.Score)),
            SemanticSearch.MineParaphrases(matrix).Select(p => (p.First, p.Second, p.Score)));
    }

    [Fact]
    public void A_non_finite_value_in_a_matrix_is_refused_by_clustering_naming_row_and_column()
    {
        var matrix = VectorMatrix.FromRows(RandomRows(10, 4, 9));
        matrix[6][3] = float.NaN;
        var e = Assert.Throws<ArgumentException>(() => KMeans.Fit(matrix, new KMeansOptions { Clusters = 2 }));
        Assert.Contains("row 6, column 3 is NaN", e.Message);
    }

    [Theory]
    [InlineData("v.npy")]
    [InlineData("v.jsonl")]
    [InlineData("v.csv")]
    [InlineData("v.tsv")]
    public void Vector_files_read_and_write_matrices_exactly(string name)
    {
        var rows = RandomRows(1500, 7, 10);
        var path = Path.Combine(_dir, name);
        VectorFile.Write(path, VectorMatrix.FromRows(rows));
        var matrix = VectorFile.ReadMatrix(path);
        Assert.Equal(rows, matrix.ToArrays());
        Assert.Equal(rows, VectorFile.Read(path));
        var again = Path.Combine(_dir, "again" + Path.GetExtension(name));
        VectorFile.Write(again, rows);
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(again));
    }

    [Fact]
    public void A_non_finite_value_is_not_written()
    {
        var matrix = VectorMatrix.FromRows(RandomRows(3, 4, 11));
        matrix[1][2] = float.PositiveInfinity;
        var path = Path.Combine(_dir, "bad.npy");
        var e = Assert.Throws<ArgumentException>(() => VectorFile.Write(path, matrix));
        Assert.Contains("row 1, column 3", e.Message);
        Assert.False(File.Exists(path));
    }
}
