using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Qianru.WordVectors;

/// <summary>Writes word2vec text/binary and GloVe files (numbers as shortest round-trip decimals, as gensim's repr).</summary>
internal static class WordVectorWriter
{
    public static void Write(KeyedVectors vectors, Stream stream, WordVectorFormat format)
    {
        var dim = vectors.Dimensions;
        var buffer = new ArrayBufferWriter<byte>(1 << 16);
        if (format != WordVectorFormat.GloVe)
        {
            buffer.Write(System.Text.Encoding.ASCII.GetBytes($"{vectors.Count} {dim}\n"));
        }

        for (var i = 0; i < vectors.Count; i++)
        {
            var word = vectors.Words[i];
            if (format != WordVectorFormat.Word2VecBinary && word.AsSpan().IndexOfAny(" \t\n\r") >= 0)
            {
                throw new ArgumentException($"word '{word}' contains white space, which {format} text cannot hold; save as {WordVectorFormat.Word2VecBinary} or {WordVectorFormat.Native}");
            }

            buffer.Write(System.Text.Encoding.UTF8.GetBytes(word));
            var row = vectors.GetRow(i);
            if (format == WordVectorFormat.Word2VecBinary)
            {
                buffer.Write(" "u8);
                var span = buffer.GetSpan(dim * 4);
                for (var k = 0; k < dim; k++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(span[(k * 4)..], row[k]);
                }

                buffer.Advance(dim * 4);
                buffer.Write("\n"u8);
            }
            else
            {
                foreach (var v in row)
                {
                    var span = buffer.GetSpan(32);
                    span[0] = (byte)' ';
                    if (!v.TryFormat(span[1..], out var written, "R", CultureInfo.InvariantCulture))
                    {
                        throw new InvalidOperationException("number formatting overflowed its buffer");
                    }

                    buffer.Advance(written + 1);
                }

                buffer.Write("\n"u8);
            }

            if (buffer.WrittenCount > (1 << 16) - 64 - dim * 32)
            {
                stream.Write(buffer.WrittenSpan);
                buffer.ResetWrittenCount();
            }
        }

        stream.Write(buffer.WrittenSpan);
    }
}
