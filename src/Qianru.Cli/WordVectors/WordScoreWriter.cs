using System.Globalization;
using System.Text.Json;
using Qianru.WordVectors;

namespace Qianru.Cli.WordVectors;

/// <summary>Writes query results best first: aligned "score  word" lines, or JSON lines {"word": w, "score": s}.</summary>
internal static class WordScoreWriter
{
    public static void Write(TextWriter output, IReadOnlyList<WordScore> results, string format)
    {
        foreach (var r in results)
        {
            if (format == "jsonl")
            {
                output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object> { ["word"] = r.Word, ["score"] = Math.Round((double)r.Score, 6) }));
            }
            else
            {
                output.WriteLine($"{r.Score.ToString("0.0000", CultureInfo.InvariantCulture),8}  {r.Word}");
            }
        }
    }

    /// <summary>The format named by a file's extension: .bin word2vec binary, .qwv native, .glove/.glove.txt GloVe, anything else word2vec text.</summary>
    public static WordVectorFormat FormatFromPath(string path)
    {
        var name = Path.GetFileName(path).ToLowerInvariant();
        return name switch
        {
            _ when name.EndsWith(".bin", StringComparison.Ordinal) => WordVectorFormat.Word2VecBinary,
            _ when name.EndsWith(".qwv", StringComparison.Ordinal) => WordVectorFormat.Native,
            _ when name.Contains("glove", StringComparison.Ordinal) => WordVectorFormat.GloVe,
            _ => WordVectorFormat.Word2VecText,
        };
    }

    public static WordVectorFormat ParseFormat(string value) => value.ToLowerInvariant() switch
    {
        "word2vec" or "w2v" or "text" or "vec" => WordVectorFormat.Word2VecText,
        "binary" or "bin" or "word2vec-binary" => WordVectorFormat.Word2VecBinary,
        "glove" => WordVectorFormat.GloVe,
        "native" or "qwv" => WordVectorFormat.Native,
        _ => throw new Infrastructure.CliUsageException($"unknown vectors format '{value}'; use word2vec, binary, glove or native"),
    };
}
