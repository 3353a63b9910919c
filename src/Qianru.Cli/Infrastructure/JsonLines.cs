using System.Text.Encodings.Web;
using System.Text.Json;

namespace Qianru.Cli.Infrastructure;

/// <summary>Writes one JSON object per line (non-ASCII text unescaped), flushing after each row.</summary>
internal static class JsonLines
{
    public static void Write<T>(Stream stream, IEnumerable<T> rows, Action<Utf8JsonWriter, T> writeObjectBody)
    {
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            foreach (var row in rows)
            {
                writer.WriteStartObject();
                writeObjectBody(writer, row);
                writer.WriteEndObject();
                writer.Flush();
                writer.Reset();
                stream.Write("\n"u8);
            }
        }

        stream.Flush();
    }
}
