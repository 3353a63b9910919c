using System.Globalization;
using Qianru.Encodings;

namespace Qianru.Cli.WordVectors;

/// <summary>
/// Prints the seed's one-hot walk-through: the vocabulary (token → index), each text as ids, the one-hot matrix and,
/// with a dimension, a random embedding table, the product one-hot × table and the lookup it equals.
/// Used by <c>qianru onehot</c> and callable from <c>qianru demo</c>.
/// </summary>
internal static class OneHotFormatter
{
    /// <summary>Writes the walk-through for <paramref name="texts"/>; returns whether product and lookup are equal (true without a table).</summary>
    public static bool Write(TextWriter output, IReadOnlyList<string> texts, bool words = false, int? dimensions = null, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (texts.Count == 0)
        {
            throw new ArgumentException("give at least one text, e.g. qianru onehot \"小普喜欢星海湾的朋友\"");
        }

        var tokenized = texts.Select(t => words
            ? t.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            : Vocabulary.SplitCharacters(t).ToArray()).ToArray();
        var vocabulary = Vocabulary.Build(tokenized.SelectMany(t => t));
        if (vocabulary.Count == 0)
        {
            throw new ArgumentException("the texts hold no tokens (only white space)");
        }

        output.WriteLine($"vocabulary ({vocabulary.Count} {(words ? "words" : "characters")}, first-seen order):");
        for (var i = 0; i < vocabulary.Count; i++)
        {
            output.WriteLine($"  {vocabulary[i]} → {i}");
        }

        var equal = true;
        for (var t = 0; t < texts.Count; t++)
        {
            var ids = OneHotEncoder.Sparse(vocabulary, tokenized[t]);
            output.WriteLine();
            output.WriteLine($"text {t + 1}: {texts[t]}");
            output.WriteLine($"ids: [{string.Join(", ", ids)}]");
            var oneHot = OneHotEncoder.Dense(ids, vocabulary.Count);
            output.WriteLine($"one-hot ({ids.Length} × {vocabulary.Count}):");
            WriteMatrix(output, oneHot, tokenized[t], integers: true);
            if (dimensions is { } d)
            {
                var table = EmbeddingTable.CreateRandom(vocabulary.Count, d, seed);
                if (t == 0)
                {
                    output.WriteLine();
                    output.WriteLine($"embedding table ({vocabulary.Count} × {d}, uniform [-1, 1), seed {seed}):");
                    WriteMatrix(output, table.Lookup(Enumerable.Range(0, vocabulary.Count).ToArray()), vocabulary.Tokens, integers: false);
                }

                var product = table.Multiply(oneHot);
                var lookup = table.Lookup(ids);
                output.WriteLine($"one-hot × table ({ids.Length} × {vocabulary.Count} · {vocabulary.Count} × {d} = {ids.Length} × {d}):");
                WriteMatrix(output, product, tokenized[t], integers: false);
                output.WriteLine($"lookup (table rows {string.Join(", ", ids)}):");
                WriteMatrix(output, lookup, tokenized[t], integers: false);
                var same = SameMatrix(product, lookup);
                equal &= same;
                output.WriteLine(same ? "product == lookup: yes" : "product == lookup: NO");
            }
        }

        return equal;
    }

    internal static bool SameMatrix(float[,] a, float[,] b)
    {
        for (var r = 0; r < a.GetLength(0); r++)
        {
            for (var c = 0; c < a.GetLength(1); c++)
            {
                if (a[r, c] != b[r, c])
                {
                    return false;
                }
            }
        }

        return true;
    }

    internal static void WriteMatrix(TextWriter output, float[,] matrix, IReadOnlyList<string> labels, bool integers)
    {
        for (var r = 0; r < matrix.GetLength(0); r++)
        {
            var cells = new string[matrix.GetLength(1)];
            for (var c = 0; c < cells.Length; c++)
            {
                cells[c] = integers
                    ? matrix[r, c].ToString("0", CultureInfo.InvariantCulture)
                    : matrix[r, c].ToString("0.0000", CultureInfo.InvariantCulture).PadLeft(7);
            }

            output.WriteLine($"  {labels[r]}  [{string.Join(integers ? " " : " ", cells)}]");
        }
    }
}
