using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Qianru.Cli.Embedding;

/// <summary>Writes embeddings as jsonl, json, csv or npy.</summary>
internal static class VectorOutput
{
    public static readonly string[] Formats = ["jsonl", "json", "csv", "npy"];

    public static void WriteJsonl(TextWriter writer, IReadOnlyList<string> texts, IReadOnlyList<float[]> vectors)
    {
        var buffer = new MemoryStream();
        for (var i = 0; i < vectors.Count; i++)
        {
            buffer.SetLength(0);
            using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                WriteObject(json, i, texts[i], vectors[i]);
            }

            writer.WriteLine(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        }
    }

    public static void WriteJson(TextWriter writer, IReadOnlyList<string> texts, IReadOnlyList<float[]> vectors)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartArray();
            for (var i = 0; i < vectors.Count; i++)
            {
                WriteObject(json, i, texts[i], vectors[i]);
            }

            json.WriteEndArray();
        }

        writer.WriteLine(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    /// <summary>A header row d0,d1,… then one row of numbers per text.</summary>
    public static void WriteCsv(TextWriter writer, IReadOnlyList<float[]> vectors)
    {
        var dims = vectors.Count == 0 ? 0 : vectors[0].Length;
        writer.WriteLine(string.Join(',', Enumerable.Range(0, dims).Select(d => "d" + d.ToString(CultureInfo.InvariantCulture))));
        var sb = new StringBuilder();
        foreach (var v in vectors)
        {
            sb.Clear();
            for (var d = 0; d < v.Length; d++)
            {
                if (d > 0)
                {
                    sb.Append(',');
                }

                sb.Append(v[d].ToString("R", CultureInfo.InvariantCulture));
            }

            writer.WriteLine(sb);
        }
    }

    /// <summary>Writes the vectors in <paramref name="format"/> to <paramref name="file"/>, or standard output for null or "-".</summary>
    public static void Write(string format, string? file, Infrastructure.CliContext context, IReadOnlyList<string> texts, IReadOnlyList<float[]> vectors)
    {
        if (format == "npy")
        {
            using var stream = Infrastructure.OutputTarget.OpenBinary(file, context);
            Qianru.IO.VectorFile.WriteNpy(stream, vectors);
            stream.Flush();
            return;
        }

        var writer = Infrastructure.OutputTarget.OpenText(file, context, out var owned);
        try
        {
            switch (format)
            {
                case "json":
                    WriteJson(writer, texts, vectors);
                    break;
                case "csv":
                    WriteCsv(writer, vectors);
                    break;
                default:
                    WriteJsonl(writer, texts, vectors);
                    break;
            }

            writer.Flush();
        }
        finally
        {
            if (owned)
            {
                writer.Dispose();
            }
        }
    }

    private static void WriteObject(Utf8JsonWriter json, int index, string text, float[] vector)
    {
        json.WriteStartObject();
        json.WriteNumber("index", index);
        json.WriteString("text", text);
        json.WriteStartArray("embedding");
        foreach (var x in vector)
        {
            json.WriteNumberValue(x);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
