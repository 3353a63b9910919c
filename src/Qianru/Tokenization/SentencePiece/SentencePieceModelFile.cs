using System.Text;
using Qianru.Onnx;

namespace Qianru.Tokenization.SentencePiece;

/// <summary>
/// The parts of a SentencePiece model file (<c>sentencepiece.bpe.model</c>, protobuf <c>ModelProto</c>) a tokenizer
/// needs: pieces with scores and types, the trainer's model type, unknown id and byte fallback, and the normalizer's
/// precompiled charsmap and whitespace flags. Field numbers from SentencePiece's <c>sentencepiece_model.proto</c>.
/// </summary>
internal sealed class SentencePieceModelFile
{
    /// <summary>SentencePiece's piece types.</summary>
    public enum PieceType
    {
        Normal = 1,
        Unknown = 2,
        Control = 3,
        UserDefined = 4,
        Unused = 5,
        Byte = 6,
    }

    /// <summary>The biggest file read (real XLM-R models are 5 MB).</summary>
    public const long MaxBytes = 256L << 20;

    public List<(string Piece, float Score, PieceType Type)> Pieces { get; } = [];

    /// <summary>1 = Unigram, 2 = BPE, 3 = word, 4 = char.</summary>
    public int ModelType { get; private set; } = 1;

    public int UnknownId { get; private set; }

    public bool ByteFallback { get; private set; }

    public byte[] PrecompiledCharsMap { get; private set; } = [];

    public bool AddDummyPrefix { get; private set; } = true;

    public bool RemoveExtraWhitespaces { get; private set; } = true;

    public bool EscapeWhitespaces { get; private set; } = true;

    public string? NormalizationRuleTsv { get; private set; }

    public static SentencePieceModelFile Read(Stream stream, string source)
    {
        byte[] bytes;
        if (stream.CanSeek)
        {
            var length = stream.Length - stream.Position;
            if (length > MaxBytes)
            {
                throw new InvalidDataException($"{source}: {length} bytes; a SentencePiece model larger than {MaxBytes >> 20} MB is not read.");
            }
        }

        using (var copy = new MemoryStream())
        {
            var buffer = new byte[81920];
            int n;
            while ((n = stream.Read(buffer)) > 0)
            {
                copy.Write(buffer, 0, n);
                if (copy.Length > MaxBytes)
                {
                    throw new InvalidDataException($"{source}: a SentencePiece model larger than {MaxBytes >> 20} MB is not read.");
                }
            }

            bytes = copy.ToArray();
        }

        var model = new SentencePieceModelFile();
        try
        {
            model.ReadModel(bytes);
        }
        catch (Exception ex) when (ex is InvalidDataException or DecoderFallbackException)
        {
            throw new InvalidDataException($"{source}: not a SentencePiece model (the protobuf is truncated or malformed).", ex);
        }

        if (model.Pieces.Count == 0)
        {
            throw new InvalidDataException($"{source}: not a SentencePiece model (no pieces).");
        }

        return model;
    }

    private void ReadModel(ReadOnlyMemory<byte> data)
    {
        var reader = new ProtoReader(data);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, WireType.LengthDelimited):
                    ReadPiece(reader.ReadBytes());
                    break;
                case (2, WireType.LengthDelimited):
                    ReadTrainer(reader.ReadBytes());
                    break;
                case (3, WireType.LengthDelimited):
                    ReadNormalizer(reader.ReadBytes());
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }
    }

    private void ReadPiece(ReadOnlyMemory<byte> data)
    {
        var reader = new ProtoReader(data);
        string piece = "";
        float score = 0;
        var type = PieceType.Normal;
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, WireType.LengthDelimited):
                    piece = StrictUtf8.GetString(reader.ReadBytes().Span);
                    break;
                case (2, WireType.Fixed32):
                    score = reader.ReadFloat();
                    break;
                case (3, WireType.Varint):
                    type = (PieceType)reader.ReadInt32();
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        Pieces.Add((piece, score, type));
    }

    private void ReadTrainer(ReadOnlyMemory<byte> data)
    {
        var reader = new ProtoReader(data);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (3, WireType.Varint):
                    ModelType = reader.ReadInt32();
                    break;
                case (35, WireType.Varint):
                    ByteFallback = reader.ReadVarint() != 0;
                    break;
                case (40, WireType.Varint):
                    UnknownId = reader.ReadInt32();
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }
    }

    private void ReadNormalizer(ReadOnlyMemory<byte> data)
    {
        var reader = new ProtoReader(data);
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (2, WireType.LengthDelimited):
                    PrecompiledCharsMap = reader.ReadBytes().ToArray();
                    break;
                case (3, WireType.Varint):
                    AddDummyPrefix = reader.ReadVarint() != 0;
                    break;
                case (4, WireType.Varint):
                    RemoveExtraWhitespaces = reader.ReadVarint() != 0;
                    break;
                case (5, WireType.Varint):
                    EscapeWhitespaces = reader.ReadVarint() != 0;
                    break;
                case (6, WireType.LengthDelimited):
                    NormalizationRuleTsv = StrictUtf8.GetString(reader.ReadBytes().Span);
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
