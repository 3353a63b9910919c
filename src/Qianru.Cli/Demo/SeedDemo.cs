using System.Globalization;
using Qianru.Clustering;
using Qianru.Encodings;
using Qianru.Similarity;

namespace Qianru.Cli.Demo;

/// <summary>
/// Runs the tutorial's examples in order: one-hot versus an embedding table, query-against-documents similarity,
/// DBSCAN and KMeans over support tickets, and a local model with normalized embeddings.
/// </summary>
internal sealed class SeedDemo(TextWriter output, SentenceEmbedder embedder, string? plotFolder, TextWriter? warnings = null)
{
    /// <summary>The vectors of the similarity example, kept for tests and plots: query first, then the documents.</summary>
    public float[][] SimilarityVectors { get; private set; } = [];

    public void Run()
    {
        OneHot();
        SimilarityExample();
        ClusteringExample();
        LocalModelExample();
    }

    private void Heading(int step, string zh, string en)
    {
        output.WriteLine();
        output.WriteLine($"== {step}. {zh} / {en}");
    }

    private void OneHot()
    {
        Heading(1, "one-hot 编码与 Embedding 查表: 2×6 的 one-hot 矩阵乘 6×3 的嵌入矩阵, 等于直接查表取出两行",
            "one-hot versus an embedding table: a 2×6 one-hot matrix times a 6×3 table is a lookup of two rows");
        var vocabulary = Vocabulary.FromCharacters([SeedExamples.OneHotText]);
        output.WriteLine($"vocabulary of \"{SeedExamples.OneHotText}\": " + string.Join("  ", vocabulary.Tokens.Select((t, i) => $"{t}→{i}")));
        var all = OneHotEncoder.Dense(vocabulary, [.. Vocabulary.SplitCharacters(SeedExamples.OneHotText)]);
        output.WriteLine($"one-hot ({all.GetLength(0)} × {all.GetLength(1)}):");
        WriteMatrix(all, [.. vocabulary.Tokens], integers: true);

        var small = Vocabulary.FromCharacters(["小普喜欢星海"]);
        string[] picked = ["喜", "海"];
        var ids = OneHotEncoder.Sparse(small, picked);
        var a = OneHotEncoder.Dense(ids, small.Count);
        var table = EmbeddingTable.CreateRandom(small.Count, 3, seed: 1);
        var product = table.Multiply(a);
        var lookup = table.Lookup(ids);
        output.WriteLine($"A = one-hot of {string.Join(", ", picked)} over \"小普喜欢星海\" ({a.GetLength(0)} × {a.GetLength(1)}):");
        WriteMatrix(a, picked, integers: true);
        output.WriteLine($"B = embedding table ({small.Count} × 3, seed 1):");
        WriteMatrix(table.Lookup([.. Enumerable.Range(0, small.Count)]), [.. small.Tokens], integers: false);
        output.WriteLine("C = A × B (2 × 3):");
        WriteMatrix(product, picked, integers: false);
        output.WriteLine($"lookup of rows {string.Join(", ", ids)} of B:");
        WriteMatrix(lookup, picked, integers: false);
        output.WriteLine(WordVectors.OneHotFormatter.SameMatrix(product, lookup) ? "A × B == lookup: yes (12 numbers became 6)" : "A × B == lookup: NO");
    }

    private void SimilarityExample()
    {
        Heading(2, $"相似度: 查询 \"{SeedExamples.SimilarityQuery}\" 与五个文档的余弦相似度 (越大越相似) 和欧氏距离 (越小越相似)",
            "similarity: cosine similarity (larger = more similar) and Euclidean distance (smaller = more similar) of the query and five documents");
        var query = embedder.EmbedQuery(SeedExamples.SimilarityQuery);
        var documents = embedder.EmbedDocuments(SeedExamples.SimilarityDocuments);
        SimilarityVectors = [query, .. documents];
        string[] labels = [SeedExamples.SimilarityQuery + " (query)", .. SeedExamples.SimilarityDocuments];
        output.WriteLine("Cosine similarity:  # 越大越相似");
        for (var i = 0; i < SimilarityVectors.Length; i++)
        {
            output.WriteLine($"{Number(VectorSimilarity.Cosine(query, SimilarityVectors[i]))}\t{labels[i]}");
        }

        output.WriteLine("Euclidean distance:  # 越小越相似");
        for (var i = 0; i < SimilarityVectors.Length; i++)
        {
            output.WriteLine($"{Number(VectorSimilarity.Euclidean(query, SimilarityVectors[i]))}\t{labels[i]}");
        }

        WarnIfUnknown([SeedExamples.SimilarityQuery, .. SeedExamples.SimilarityDocuments]);
        if (plotFolder is not null)
        {
            var path = Path.Combine(plotFolder, "similarity.png");
            Plots.SimilarityHeatmap.Save(path, labels, SimilarityVectors, "cosine similarity", warnings);
            output.WriteLine($"plot: {path}");
        }
    }

    private void ClusteringExample()
    {
        Heading(3, "聚类: 十个工单的向量用 DBSCAN(eps=0.55, min_samples=2) 和 KMeans(n_clusters=3, random_state=42, n_init=auto) 分组, -1 为噪声",
            "clustering: the ten tickets' vectors grouped by DBSCAN and KMeans; -1 is noise");
        var vectors = embedder.EmbedMatrix(SeedExamples.Tickets);
        var dbscan = Dbscan.Fit(vectors, new DbscanOptions { Eps = 0.55, MinSamples = 2, Metric = DistanceMetric.Euclidean });
        output.WriteLine("DBSCAN(eps=0.55, min_samples=2):");
        for (var i = 0; i < SeedExamples.Tickets.Length; i++)
        {
            output.WriteLine($"{dbscan.Labels[i]}\t{SeedExamples.Tickets[i]}");
        }

        var kmeans = KMeans.Fit(vectors, new KMeansOptions { Clusters = 3, RandomState = 42 });
        output.WriteLine("KMeans(n_clusters=3, random_state=42, n_init=\"auto\"):");
        for (var i = 0; i < SeedExamples.Tickets.Length; i++)
        {
            output.WriteLine($"{kmeans.Labels[i]}\t{SeedExamples.Tickets[i]}");
        }

        WarnIfUnknown(SeedExamples.Tickets);
        if (plotFolder is not null)
        {
            var path = Path.Combine(plotFolder, "clusters.png");
            Clustering.ClusterPlot.Save(path, vectors, [.. dbscan.Labels], "DBSCAN(eps=0.55, min_samples=2) of the ten tickets, PCA 2-D");
            output.WriteLine($"plot: {path}");
        }
    }

    private void LocalModelExample()
    {
        var prompt = QueryPrompt();
        Heading(4, $"本地模型 {embedder.Model.Id}: 查询 \"{SeedExamples.LocalQuery}\" 与五个文档, normalize_embeddings=True 的余弦相似度",
            $"a local model ({embedder.Model.Id}) with normalized embeddings: cosine similarity of the query and five documents");
        if (prompt is not null)
        {
            output.WriteLine($"query instruction: \"{prompt}\"");
        }

        var query = embedder.Embed(SeedExamples.LocalQuery, new EmbedOptions { Normalize = true, Prompt = prompt });
        var documents = embedder.EmbedBatch(SeedExamples.LocalDocuments, new EmbedOptions { Normalize = true });
        output.WriteLine("Cosine similarity:  # 越大越相似");
        output.WriteLine($"{Number(VectorSimilarity.Cosine(query, query))}\t{SeedExamples.LocalQuery} (query)");
        for (var i = 0; i < documents.Length; i++)
        {
            output.WriteLine($"{Number(VectorSimilarity.Cosine(query, documents[i]))}\t{SeedExamples.LocalDocuments[i]}");
        }

        WarnIfUnknown([SeedExamples.LocalQuery, .. SeedExamples.LocalDocuments]);
    }

    /// <summary>The model's own query prompt, else the instruction LangChain's HuggingFaceBgeEmbeddings uses for BGE models.</summary>
    private string? QueryPrompt()
    {
        if (embedder.Model.QueryPrompt is { } own)
        {
            return own;
        }

        var id = embedder.Model.Id.ToLowerInvariant();
        return id.Contains("bge", StringComparison.Ordinal)
            ? id.Contains("zh", StringComparison.Ordinal) ? SeedExamples.BgeChineseQueryInstruction : SeedExamples.BgeEnglishQueryInstruction
            : null;
    }

    private void WarnIfUnknown(IReadOnlyList<string> texts)
    {
        var unknown = texts.Count(t => embedder.Tokenize(t).UnknownFraction > 0.5);
        if (unknown > 0)
        {
            output.WriteLine($"note: {unknown} of {texts.Count} texts are mostly [UNK] for {embedder.Model.Id} (an English model); run with --model BAAI/bge-large-zh-v1.5 (the tutorial's model; or BAAI/bge-small-zh-v1.5) for meaningful numbers. / 默认英文模型不认识大多数汉字。");
        }
    }

    private static string Number(float value) => value.ToString("0.000000", CultureInfo.InvariantCulture);

    private void WriteMatrix(float[,] matrix, IReadOnlyList<string> labels, bool integers) =>
        WordVectors.OneHotFormatter.WriteMatrix(output, matrix, labels, integers);
}
