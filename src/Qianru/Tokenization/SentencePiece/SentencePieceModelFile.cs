using System.Text;

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
        catch (Exception ex) when (ex is IndexOutOfRangeException or ArgumentOutOfRangeException or DecoderFallbackException or OverflowException)
        {
            throw new InvalidDataException($"{source}: not a SentencePiece model (the protobuf is truncated or malformed).", ex);
        }

        if (model.Pieces.Count == 0)
        {
            throw new InvalidDataException($"{source}: not a SentencePiece model (no pieces).");
        }

        return model;
    }

    private void ReadModel(ReadOnlySpan<byte> data)
    {
        var reader = new ProtoReader(data);
        while (reader.Next(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, 2):
                    ReadPiece(reader.Bytes());
                    break;
                case (2, 2):
                    ReadTrainer(reader.Bytes());
                    break;
                case (3, 2):
                    ReadNormalizer(reader.Bytes());
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }
    }

    private void ReadPiece(ReadOnlySpan<byte> data)
    {
        var reader = new ProtoReader(data);
        string piece = "";
        float score = 0;
        var type = PieceType.Normal;
        while (reader.Next(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, 2):
                    piece = StrictUtf8.GetString(reader.Bytes());
                    break;
                case (2, 5):
                    score = reader.Float();
                    break;
                case (3, 0):
                    type = (PieceType)(int)reader.Varint();
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        Pieces.Add((piece, score, type));
    }

    private void ReadTrainer(ReadOnlySpan<byte> data)
    {
        var reader = new ProtoReader(data);
        while (reader.Next(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (3, 0):
                    ModelType = (int)reader.Varint();
                    break;
                case (35, 0):
                    ByteFallback = reader.Varint() != 0;
                    break;
                case (40, 0):
                    UnknownId = (int)reader.Varint();
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }
    }

    private void ReadNormalizer(ReadOnlySpan<byte> data)
    {
        var reader = new ProtoReader(data);
        while (reader.Next(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (2, 2):
                    PrecompiledCharsMap = reader.Bytes().ToArray();
                    break;
                case (3, 0):
                    AddDummyPrefix = reader.Varint() != 0;
                    break;
                case (4, 0):
                    RemoveExtraWhitespaces = reader.Varint() != 0;
                    break;
                case (5, 0):
                    EscapeWhitespaces = reader.Varint() != 0;
                    break;
                case (6, 2):
                    NormalizationRuleTsv = StrictUtf8.GetString(reader.Bytes());
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>A minimal protobuf wire-format reader (varint, 64-bit, length-delimited, 32-bit fields).</summary>
    private ref struct ProtoReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public bool Next(out int field, out int wire)
        {
            if (_position >= _data.Length)
            {
                field = wire = 0;
                return false;
            }

            var key = Varint();
            field = checked((int)(key >> 3));
            wire = (int)(key & 7);
            return true;
        }

        public ulong Varint()
        {
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                var b = _data[_position++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }

            throw new OverflowException("varint longer than 10 bytes");
        }

        public float Float()
        {
            var value = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(_data.Slice(_position, 4));
            _position += 4;
            return value;
        }

        public ReadOnlySpan<byte> Bytes()
        {
            var length = checked((int)Varint());
            var slice = _data.Slice(_position, length);
            _position += length;
            return slice;
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0:
                    Varint();
                    break;
                case 1:
                    _position = checked(_position + 8);
                    break;
                case 2:
                    Bytes();
                    break;
                case 5:
                    _position = checked(_position + 4);
                    break;
                default:
                    throw new OverflowException($"protobuf wire type {wire} is not supported");
            }

            if (_position > _data.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(wire), "field runs past the end");
            }
        }
    }
}
