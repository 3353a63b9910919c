using System.CommandLine;
using System.Globalization;
using Qianru.Cli.Clustering;
using Qianru.Cli.Infrastructure;
using Qianru.Clustering;

namespace Qianru.Cli.Commands;

/// <summary><c>qianru cluster</c>: KMeans, DBSCAN or community detection over texts (embedded) or vector files.</summary>
internal sealed class ClusterCommand : ICliCommand
{
    /// <summary>Above this many clustered rows the silhouette (n² distances) is computed on a seeded random sample of this size.</summary>
    internal const int SilhouetteMaxRows = 5_000;

    /// <summary>The largest --k.</summary>
    internal const int MaxClusters = 1_000_000;

    /// <summary>The largest --n-init.</summary>
    internal const int MaxRuns = 1000;

    public Command Build(CliContext context)
    {
        var input = new TextInput(argumentDescription: "Texts to cluster (or use --input, or --vectors).");
        var model = new ModelOptions();
        var vectors = new Option<string?>("--vectors") { Description = "Cluster the vectors in FILE (.npy, .jsonl, .csv, .tsv) instead of embedding texts; texts given as well label the rows." };
        var algorithm = new Option<string>("--algorithm", "-a") { Description = "kmeans, dbscan or community.", Required = true };
        algorithm.AcceptOnlyFromAmong("kmeans", "dbscan", "community");
        var k = new Option<int>("--k") { Description = "KMeans: number of clusters (at most the number of rows).", DefaultValueFactory = _ => 8 }.InRange(1, MaxClusters);
        var nInit = new Option<string>("--n-init") { Description = $"KMeans: k-means++ runs, keeping the lowest inertia (1 to {MaxRuns}, or auto = 1).", DefaultValueFactory = _ => "auto" };
        var randomState = new Option<int?>("--random-state") { Description = "KMeans: seed for reproducible runs." };
        var maxIter = new Option<int>("--max-iter") { Description = "KMeans: most Lloyd iterations per run.", DefaultValueFactory = _ => 300 }.InRange(1, 100_000);
        var eps = new Option<double>("--eps") { Description = "DBSCAN: neighbourhood radius (a neighbour is at distance ≤ eps).", DefaultValueFactory = _ => 0.5 }.AboveUpTo(0, 1e6);
        var minSamples = new Option<int>("--min-samples") { Description = "DBSCAN: neighbours a core point needs, itself included.", DefaultValueFactory = _ => 5 }.InRange(1, 1_000_000);
        var metric = new Option<string>("--metric") { Description = "Distance for DBSCAN and for the silhouette of kmeans and dbscan (community always uses cosine): euclidean or cosine.", DefaultValueFactory = _ => "euclidean" };
        metric.AcceptOnlyFromAmong("euclidean", "cosine");
        var threshold = new Option<double>("--threshold") { Description = "Community: lowest cosine similarity within a community.", DefaultValueFactory = _ => 0.75 }.InRange(-1, 1);
        var minCommunity = new Option<int>("--min-community-size") { Description = "Community: fewest members of a community.", DefaultValueFactory = _ => 10 }.InRange(1, 1_000_000);
        var format = new Option<string>("--format", "-f") { Description = "table (label<TAB>text, or label<TAB>row index without texts, then a summary), jsonl or json.", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong(ClusterOutput.Formats);
        var plot = new Option<string?>("--plot") { Description = "Also write a PNG scatter plot of the 2-D PCA projection, coloured by cluster." };

        var command = new Command("cluster", "Cluster texts or vectors with KMeans, DBSCAN or community detection (results as scikit-learn's).");
        input.AddTo(command);
        command.Options.Add(vectors);
        model.AddTo(command, withProvider: true);
        foreach (var o in new Option[] { algorithm, k, nInit, randomState, maxIter, eps, minSamples, metric, threshold, minCommunity, format, plot })
        {
            command.Options.Add(o);
        }

        command.SetAction((parse, cancel) =>
        {
            var chosen = parse.GetValue(algorithm)!;
            var distance = parse.GetValue(metric) == "cosine" ? DistanceMetric.Cosine : DistanceMetric.Euclidean;

            // Check the options before any slow work.
            KMeansOptions? kmeans = null;
            DbscanOptions? dbscan = null;
            switch (chosen)
            {
                case "kmeans":
                    kmeans = KMeansSettings(parse.GetValue(k), parse.GetValue(nInit)!, parse.GetValue(randomState), parse.GetValue(maxIter));
                    break;
                case "dbscan":
                    dbscan = DbscanSettings(parse.GetValue(eps), parse.GetValue(minSamples), distance);
                    break;
                default:
                    CheckCommunity(parse.GetValue(threshold), parse.GetValue(minCommunity));
                    break;
            }

            SameFile.RefuseOverwrite(context, "--plot", parse.GetValue(plot), ("--input", parse.GetValue(input.Input)), ("--vectors", parse.GetValue(vectors)));
            var (rows, texts) = ReadRows(parse, context, input, vectors, model, cancel);
            if (kmeans is not null && kmeans.Clusters > rows.Rows)
            {
                throw new CliUsageException($"--k {kmeans.Clusters}: there are only {rows.Rows} rows; k must be at most the number of rows.");
            }

            var outcome = chosen switch
            {
                "kmeans" => RunKMeans(rows, texts, kmeans!, distance, cancel),
                "dbscan" => RunDbscan(rows, texts, dbscan!, cancel),
                _ => RunCommunity(rows, texts, parse.GetValue(threshold), parse.GetValue(minCommunity), cancel),
            };

            var writer = context.Out;
            switch (parse.GetValue(format))
            {
                case "jsonl":
                    ClusterOutput.WriteJsonl(writer, outcome);
                    break;
                case "json":
                    ClusterOutput.WriteJson(writer, outcome);
                    break;
                default:
                    ClusterOutput.WriteTable(writer, outcome);
                    break;
            }

            if (parse.GetValue(plot) is { } plotFile)
            {
                ClusterPlot.Save(context.ResolvePath(plotFile), rows, outcome.Labels,
                    $"{chosen}: {outcome.ClusterCount} clusters, {outcome.NoiseCount} noise ({rows.Rows} rows)", cancel);
            }

            writer.Flush();
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    internal static KMeansOptions KMeansSettings(int k, string nInit, int? randomState, int maxIter)
    {
        if (k < 1)
        {
            throw new CliUsageException($"--k {k}: must be at least 1.");
        }

        if (maxIter < 1)
        {
            throw new CliUsageException($"--max-iter {maxIter}: must be at least 1.");
        }

        int? runs = null;
        if (!nInit.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            runs = int.TryParse(nInit, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= MaxRuns ? n
                : throw new CliUsageException($"--n-init {nInit}: give a number from 1 to {MaxRuns}, or auto.");
        }

        return new KMeansOptions { Clusters = k, Runs = runs, RandomState = randomState, MaxIterations = maxIter };
    }

    internal static DbscanOptions DbscanSettings(double eps, int minSamples, DistanceMetric metric)
    {
        if (!(eps > 0) || !double.IsFinite(eps))
        {
            throw new CliUsageException($"--eps {eps.ToString(CultureInfo.InvariantCulture)}: must be a number > 0.");
        }

        if (minSamples < 1)
        {
            throw new CliUsageException($"--min-samples {minSamples}: must be at least 1.");
        }

        return new DbscanOptions { Eps = eps, MinSamples = minSamples, Metric = metric };
    }

    private static void CheckCommunity(double threshold, int minCommunitySize)
    {
        if (!(threshold >= -1 && threshold <= 1))
        {
            throw new CliUsageException($"--threshold {threshold.ToString(CultureInfo.InvariantCulture)}: must be a cosine similarity between -1 and 1.");
        }

        if (minCommunitySize < 1)
        {
            throw new CliUsageException($"--min-community-size {minCommunitySize}: must be at least 1.");
        }
    }

    private static (VectorMatrix Rows, IReadOnlyList<string>? Texts) ReadRows(
        ParseResult parse, CliContext context, TextInput input, Option<string?> vectors, ModelOptions model, CancellationToken cancel)
    {
        if (parse.GetValue(vectors) is { } file)
        {
            var texts = input.Read(parse, context, allowEmpty: true);
            var rows = ClusterVectors.Read(context.ResolvePath(file), file, cancel);
            if (texts.Count > 0 && texts.Count != rows.Rows)
            {
                throw new CliUsageException($"--vectors {file}: {rows.Rows} rows but {texts.Count} texts; give one text per row or none.");
            }

            return (rows, texts.Count > 0 ? texts : null);
        }

        var all = input.Read(parse, context);
        using var embedder = model.OpenTextEmbedder(parse, context);
        using var progress = ProgressBar.Start(context, all.Count);
        return (embedder.EmbedMatrix(all, progress, cancel), all);
    }

    private static ClusterOutcome RunKMeans(VectorMatrix rows, IReadOnlyList<string>? texts, KMeansOptions options, DistanceMetric metric, CancellationToken cancel)
    {
        var result = KMeans.Fit(rows, options, cancel);
        var labels = result.Labels.ToArray();
        var (silhouette, note) = Silhouette(rows, labels, metric, cancel);
        return new ClusterOutcome
        {
            Algorithm = "kmeans",
            Labels = labels,
            Texts = texts,
            Silhouette = silhouette,
            SilhouetteNote = note,
            SilhouetteMetric = metric == DistanceMetric.Cosine ? "cosine" : "euclidean",
            Details = new() { ["inertia"] = result.Inertia, ["iterations"] = result.Iterations, ["centres"] = result.Centres },
        };
    }

    private static ClusterOutcome RunDbscan(VectorMatrix rows, IReadOnlyList<string>? texts, DbscanOptions options, CancellationToken cancel)
    {
        var result = Dbscan.Fit(rows, options, cancel);
        var labels = result.Labels.ToArray();
        var (silhouette, note) = Silhouette(rows, labels, options.Metric, cancel);
        return new ClusterOutcome
        {
            Algorithm = "dbscan",
            Labels = labels,
            Texts = texts,
            Silhouette = silhouette,
            SilhouetteNote = note,
            SilhouetteMetric = options.Metric == DistanceMetric.Cosine ? "cosine" : "euclidean",
            Details = new() { ["core_sample_indices"] = result.CoreSampleIndices },
        };
    }

    private static ClusterOutcome RunCommunity(VectorMatrix rows, IReadOnlyList<string>? texts, double threshold, int minCommunitySize, CancellationToken cancel)
    {
        var communities = CommunityDetection.Find(rows, threshold, minCommunitySize, cancel);
        var labels = CommunityDetection.ToLabels(communities, rows.Rows);
        var (silhouette, note) = Silhouette(rows, labels, DistanceMetric.Cosine, cancel);
        return new ClusterOutcome
        {
            Algorithm = "community",
            Labels = labels,
            Texts = texts,
            Silhouette = silhouette,
            SilhouetteNote = note,
            SilhouetteMetric = "cosine",
            Details = new() { ["communities"] = communities },
        };
    }

    /// <summary>Silhouette of the non-noise rows, or why there is none.</summary>
    private static (double?, string?) Silhouette(VectorMatrix rows, int[] labels, DistanceMetric metric, CancellationToken cancel)
    {
        var kept = Enumerable.Range(0, labels.Length).Where(i => labels[i] >= 0).ToArray();
        var clusters = kept.Select(i => labels[i]).Distinct().Count();
        if (clusters < 2 || clusters > kept.Length - 1)
        {
            return (null, $"needs 2 to n-1 clusters among the {kept.Length} clustered rows");
        }

        string? note = null;
        if (kept.Length > SilhouetteMaxRows)
        {
            // As scikit-learn's silhouette_score(sample_size=…, random_state=0): a reproducible random subset.
            var random = new Random(0);
            kept = kept.OrderBy(_ => random.Next()).Take(SilhouetteMaxRows).Order().ToArray();
            if (kept.Select(i => labels[i]).Distinct().Count() < 2)
            {
                return (null, $"the sample of {SilhouetteMaxRows} rows holds one cluster");
            }

            note = $"sample of {SilhouetteMaxRows} rows";
        }

        return (ClusterMetrics.Silhouette(rows.SelectRows(kept), kept.Select(i => labels[i]).ToArray(), metric, cancel), note);
    }
}
