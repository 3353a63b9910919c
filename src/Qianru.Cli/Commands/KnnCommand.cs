using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Qianru.Cli.Infrastructure;
using Qianru.Cli.Search;
using Qianru.IO;
using Qianru.Search;
using Qianru.Similarity;

namespace Qianru.Cli.Commands;

/// <summary><c>qianru knn</c>: the k nearest base vectors of each query vector, from vector files.</summary>
internal sealed class KnnCommand : ICliCommand
{
    public Command Build(CliContext context)
    {
        var baseOption = new Option<string>("--base") { Description = "Base (corpus) vectors: .npy, .jsonl, .csv or .tsv", Required = true };
        var queriesOption = new Option<string>("--queries") { Description = "Query vectors: .npy, .jsonl, .csv or .tsv", Required = true };
        var kOption = new Option<int>("--k") { Description = "Neighbours per query (1 to 10,000; queries × k at most 50 million)", DefaultValueFactory = _ => 10 };
        var metricOption = new Option<string>("--metric") { Description = "cosine, dot or euclidean", DefaultValueFactory = _ => "cosine" };
        metricOption.AcceptOnlyFromAmong("cosine", "dot", "euclidean");
        var indexOption = new Option<string>("--index") { Description = "exact, hnsw, int8 or binary", DefaultValueFactory = _ => "exact" };
        indexOption.AcceptOnlyFromAmong("exact", "hnsw", "int8", "binary");
        var efOption = new Option<int?>("--ef") { Description = "HNSW ef_search, 1 to 10,000 (default: max(k, 64))" };
        var mOption = new Option<int>("--m") { Description = "HNSW connectivity M (2 to 256)", DefaultValueFactory = _ => 16 };
        var efConstructionOption = new Option<int>("--ef-construction") { Description = "HNSW ef_construction (1 to 10,000)", DefaultValueFactory = _ => 128 };
        var precisionOption = new Option<string>("--precision") { Description = "HNSW vector storage: float16 (half the memory, same recall), float32 (exact scores) or bfloat16", DefaultValueFactory = _ => "float16" };
        precisionOption.AcceptOnlyFromAmong("float16", "float32", "bfloat16");
        var rescoreOption = new Option<int>("--rescore") { Description = "int8/binary: rescore this many candidates per query with the float vectors (0: no rescoring; at most 10,000)", DefaultValueFactory = _ => 0 };
        var recallOption = new Option<bool>("--recall") { Description = "Also run exact search and report recall@k on stderr" };
        var formatOption = new Option<string>("--format") { Description = "Output format", DefaultValueFactory = _ => "jsonl" };
        formatOption.AcceptOnlyFromAmong("jsonl");

        var command = new Command("knn", "Find the k nearest base vectors of each query vector (vector files in, jsonl out)");
        foreach (var option in new Option[] { baseOption, queriesOption, kOption, metricOption, indexOption, efOption, mOption, efConstructionOption, precisionOption, rescoreOption, recallOption, formatOption })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse =>
        {
            var k = parse.GetValue(kOption);
            SearchLimits.CheckK(k);
            var ef = parse.GetValue(efOption);
            SearchLimits.CheckEf("--ef", ef);
            SearchLimits.CheckEf("--ef-construction", parse.GetValue(efConstructionOption));
            SearchLimits.CheckRange("--m", parse.GetValue(mOption), 2, 256);
            SearchLimits.CheckRange("--rescore", parse.GetValue(rescoreOption), 0, SearchLimits.MaxK);
            var metric = VectorSimilarity.ParseMetric(parse.GetValue(metricOption)!);
            var kind = Enum.Parse<VectorIndexKind>(parse.GetValue(indexOption)!, ignoreCase: true);
            var corpus = VectorFile.ReadMatrix(context.ResolvePath(parse.GetValue(baseOption)!));
            var queries = VectorFile.ReadMatrix(context.ResolvePath(parse.GetValue(queriesOption)!));
            if (corpus.Rows > 0 && queries.Rows > 0 && corpus.Dimensions != queries.Dimensions)
            {
                throw new CliUsageException($"--base vectors have {corpus.Dimensions} dimensions but --queries vectors have {queries.Dimensions}");
            }

            SearchLimits.CheckHits(queries.Rows, k, corpus.Rows);
            var hnsw = new HnswOptions
            {
                M = parse.GetValue(mOption),
                EfConstruction = parse.GetValue(efConstructionOption),
                Precision = Enum.Parse<HnswPrecision>(parse.GetValue(precisionOption)!, ignoreCase: true),
            };
            var build = Stopwatch.StartNew();
            var index = VectorIndexBuilder.Build(corpus, kind, metric, hnsw);
            build.Stop();
            SearchHit[][] hits;
            var search = Stopwatch.StartNew();
            try
            {
                hits = index.Search(queries, k, new VectorSearchOptions { Ef = ef ?? 64, Rescore = parse.GetValue(rescoreOption) });
                search.Stop();
            }
            finally
            {
                (index as IDisposable)?.Dispose();
            }

            JsonLines.Write(context.OpenStdoutStream(), hits.Select((row, q) => (row, q)), (writer, item) =>
            {
                writer.WriteNumber("query", item.q);
                writer.WriteStartArray("ids");
                foreach (var hit in item.row)
                {
                    writer.WriteNumberValue(hit.Id);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("scores");
                foreach (var hit in item.row)
                {
                    writer.WriteNumberValue(hit.Score);
                }

                writer.WriteEndArray();
            });
            var qps = queries.Rows / Math.Max(search.Elapsed.TotalSeconds, 1e-9);
            context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"knn: {kind.ToString().ToLowerInvariant()} {VectorSimilarity.NameOf(metric)}, {corpus.Rows} base × {queries.Rows} queries, k={k}: build {build.Elapsed.TotalMilliseconds:F1} ms, search {search.Elapsed.TotalMilliseconds:F1} ms, {qps:F0} queries/s"));
            if (parse.GetValue(recallOption))
            {
                var exact = SemanticSearch.Search(queries, corpus, new SemanticSearchOptions { TopK = k, Metric = metric });
                context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"knn: recall@{k} against exact search: {Recall.AtK(exact, hits):F4}"));
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
