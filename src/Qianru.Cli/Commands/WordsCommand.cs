using System.CommandLine;
using System.Globalization;
using Qianru.Cli.Infrastructure;
using Qianru.Cli.WordVectors;
using Qianru.WordVectors;

namespace Qianru.Cli.Commands;

/// <summary><c>qianru words similar|analogy|evaluate|convert|train</c>: GloVe, word2vec and fastText word vectors.</summary>
internal sealed class WordsCommand : ICliCommand
{
    public Command Build(CliContext context)
    {
        return new Command("words", "Word vectors (GloVe, word2vec, fastText .vec and .bin with subwords): query, evaluate, convert and train")
        {
            BuildSimilar(context),
            BuildAnalogy(context),
            BuildEvaluate(context),
            BuildConvert(context),
            WordsTrainCommand.Build(context),
        };
    }

    private static Option<string> VectorsOption() => new("--vectors", "-v") { Description = "Word vectors file (word2vec text/binary, GloVe, .vec or .qwv; format detected)", Required = true };

    private static Option<int?> LimitOption() => new Option<int?>("--limit") { Description = "Read only the first N words of the file" }.InRange(1, int.MaxValue);

    private static Option<string> FormatOption() => new("--format") { Description = "Output: text (default) or jsonl ({\"word\": w, \"score\": s} rows, best first)", DefaultValueFactory = _ => "text" };

    private static Option<int> TopOption() => new Option<int>("--top", "-k") { Description = "How many words to show", DefaultValueFactory = _ => 10 }.InRange(1, 100_000);

    private static KeyedVectors Load(CliContext context, string path, int? limit, CancellationToken cancellationToken) =>
        KeyedVectors.Load(context.ResolvePath(path), new WordVectorLoadOptions { Limit = limit }, cancellationToken);

    private static string CheckFormat(string format) => format is "text" or "jsonl"
        ? format
        : throw new CliUsageException($"--format must be text or jsonl, got '{format}'");

    private static Command BuildSimilar(CliContext context)
    {
        var vectors = VectorsOption();
        var limit = LimitOption();
        var top = TopOption();
        var format = FormatOption();
        var negative = new Option<string[]>("--negative", "-n") { Description = "Words to subtract (gensim's negative=)", AllowMultipleArgumentsPerToken = true };
        var cosmul = new Option<bool>("--cosmul") { Description = "Rank by 3CosMul (most_similar_cosmul) instead of cosine" };
        var words = new Argument<string[]>("words") { Description = "Word(s) whose neighbours to list (several are averaged, as gensim's positive=)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("similar", "The words most similar to WORD (unit-normalized cosine, input words excluded, as gensim's most_similar)") { vectors, top, negative, cosmul, limit, format, words };
        command.SetAction((parse, cancellationToken) =>
        {
            var fmt = CheckFormat(parse.GetValue(format)!);
            using var kv = Load(context, parse.GetValue(vectors)!, parse.GetValue(limit), cancellationToken);
            var positive = parse.GetValue(words)!;
            var neg = parse.GetValue(negative) ?? [];
            var results = parse.GetValue(cosmul)
                ? kv.MostSimilarCosmul(positive, neg, parse.GetValue(top))
                : kv.MostSimilar(positive, neg, parse.GetValue(top));
            WordScoreWriter.Write(context.Out, results, fmt);
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    private static Command BuildAnalogy(CliContext context)
    {
        var vectors = VectorsOption();
        var limit = LimitOption();
        var top = TopOption();
        var format = FormatOption();
        var a = new Argument<string>("a") { Description = "A in A − B + C (king)" };
        var b = new Argument<string>("b") { Description = "B in A − B + C (man)" };
        var c = new Argument<string>("c") { Description = "C in A − B + C (woman)" };
        var cosmul = new Option<bool>("--cosmul") { Description = "Rank by 3CosMul instead of 3CosAdd" };
        var command = new Command("analogy", "A − B + C: 'king man woman' → queen (most_similar(positive=[A, C], negative=[B]))") { vectors, top, cosmul, limit, format, a, b, c };
        command.SetAction((parse, cancellationToken) =>
        {
            var fmt = CheckFormat(parse.GetValue(format)!);
            using var kv = Load(context, parse.GetValue(vectors)!, parse.GetValue(limit), cancellationToken);
            var (wa, wb, wc) = (parse.GetValue(a)!, parse.GetValue(b)!, parse.GetValue(c)!);
            var results = parse.GetValue(cosmul)
                ? kv.MostSimilarCosmul([wa, wc], [wb], parse.GetValue(top))
                : kv.Analogy(wa, wb, wc, parse.GetValue(top));
            WordScoreWriter.Write(context.Out, results, fmt);
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    private static Command BuildEvaluate(CliContext context)
    {
        var vectors = VectorsOption();
        var limit = LimitOption();
        var restrict = new Option<int>("--restrict-vocab") { Description = "Use only the first N words (gensim's restrict_vocab)", DefaultValueFactory = _ => 300000 }.InRange(1, int.MaxValue);
        var caseSensitive = new Option<bool>("--case-sensitive") { Description = "Compare words with their case (default: upper-case everything, as gensim)" };
        var questions = new Argument<string>("questions") { Description = "Analogy questions file (questions-words.txt format: ': section' lines, then 'a b c d')" };
        var command = new Command("evaluate", "Analogy accuracy per section on a questions-words file, as gensim's evaluate_word_analogies") { vectors, restrict, caseSensitive, limit, questions };
        command.SetAction((parse, cancellationToken) =>
        {
            using var kv = Load(context, parse.GetValue(vectors)!, parse.GetValue(limit), cancellationToken);
            var result = kv.EvaluateWordAnalogies(context.ResolvePath(parse.GetValue(questions)!), parse.GetValue(restrict), !parse.GetValue(caseSensitive), cancellationToken);
            foreach (var s in result.Sections)
            {
                context.Out.WriteLine($"{s.Name}: {(100 * s.Accuracy).ToString("0.0", CultureInfo.InvariantCulture)}% ({s.Correct}/{s.Correct + s.Incorrect})");
            }

            context.Out.WriteLine($"questions with out-of-vocabulary words: {result.OutOfVocabulary}");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }

    private static Command BuildConvert(CliContext context)
    {
        var input = new Argument<string>("input") { Description = "Vectors file to read (format detected)" };
        var output = new Argument<string>("output") { Description = "File to write; the format follows the extension (.bin binary, .qwv native, 'glove' in the name GloVe, else word2vec text) unless --to" };
        var to = new Option<string?>("--to") { Description = "Output format: word2vec, binary, glove or native" };
        var limit = LimitOption();
        var command = new Command("convert", "Convert word vectors between word2vec text/binary, GloVe, fastText .vec and the native memory-mapped format (fastText .bin models are read, with their subwords kept in .qwv)")
        {
            input, output, to, limit,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            SameFile.RefuseOverwrite(context, "output", parse.GetValue(output), ("input", parse.GetValue(input)));
            var outPath = context.ResolvePath(parse.GetValue(output)!);
            var format = parse.GetValue(to) is { } f ? WordScoreWriter.ParseFormat(f) : WordScoreWriter.FormatFromPath(outPath);
            using var kv = Load(context, parse.GetValue(input)!, parse.GetValue(limit), cancellationToken);
            kv.Save(outPath, format);
            context.Error.WriteLine($"wrote {kv.Count} words × {kv.Dimensions} dimensions as {format} to {outPath}");
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}
