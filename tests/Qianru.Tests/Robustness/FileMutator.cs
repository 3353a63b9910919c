using System.Buffers.Binary;
using System.Text;

namespace Qianru.Tests.Robustness;

/// <summary>
/// Seeded mutations of a valid file, as a fuzzer makes them: bit flips, truncations, length and count fields set to
/// hostile values (binary words, or numbers in text), inserted, deleted and repeated bytes.
/// </summary>
public sealed class FileMutator(int seed)
{
    private static readonly long[] HostileIntegers =
    [
        0, 1, -1, -5, 2, 255, 256, 65535, 65536, int.MaxValue, int.MinValue, uint.MaxValue, 2_000_000_000, long.MaxValue, long.MinValue,
        1L << 31, 1L << 32, 1L << 40,
    ];

    private static readonly string[] HostileNumbers =
    [
        "0", "-5", "-1", "2000000000", "99999999999999999999", "nan", "inf", "-inf", "1e39", "1e-50", "", "x", "1.5", "65537", "10 5",
    ];

    private static readonly byte[][] HostileInserts =
    [
        "\n"u8.ToArray(), "\r\n"u8.ToArray(), [0], [0xFF], [0xC3], [0xED, 0xA0, 0x80], "\uFEFF"u8.ToArray(), ","u8.ToArray(), " "u8.ToArray(),
        "\""u8.ToArray(), "["u8.ToArray(), "}"u8.ToArray(), "-"u8.ToArray(), "9999999999"u8.ToArray(), "\\ud800"u8.ToArray(),
    ];

    private readonly Random _random = new(seed);

    /// <summary>The kinds of mutation, in the order <see cref="Mutate"/> picks among them.</summary>
    public static IReadOnlyList<string> Kinds { get; } = ["bit flips", "truncation", "length field", "number edit", "insertion", "deletion", "repeat"];

    /// <summary>One mutation of <paramref name="valid"/>; <paramref name="kind"/> names what was done.</summary>
    public byte[] Mutate(byte[] valid, out string kind)
    {
        var k = _random.Next(Kinds.Count);
        kind = Kinds[k];
        var bytes = valid.ToList();
        switch (k)
        {
            case 0:
                for (var flips = 1 + _random.Next(8); flips > 0 && bytes.Count > 0; flips--)
                {
                    bytes[_random.Next(bytes.Count)] ^= (byte)(1 << _random.Next(8));
                }

                break;
            case 1:
                return valid[.._random.Next(valid.Length)];
            case 2:
                return EditBinaryField(valid);
            case 3:
                return EditNumber(valid);
            case 4:
                {
                    var insert = _random.Next(3) == 0 ? RandomBytes(1 + _random.Next(16)) : HostileInserts[_random.Next(HostileInserts.Length)];
                    bytes.InsertRange(_random.Next(bytes.Count + 1), insert);
                    break;
                }

            case 5:
                if (bytes.Count > 0)
                {
                    var at = _random.Next(bytes.Count);
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + _random.Next(32)));
                }

                break;
            default:
                if (bytes.Count > 0)
                {
                    var at = _random.Next(bytes.Count);
                    var length = Math.Min(bytes.Count - at, 1 + _random.Next(256));
                    bytes.InsertRange(at, bytes.GetRange(at, length));
                }

                break;
        }

        return [.. bytes];
    }

    /// <summary>Overwrites a 1-, 2-, 4- or 8-byte little-endian word at a random place (headers first) with a hostile value.</summary>
    private byte[] EditBinaryField(byte[] valid)
    {
        var bytes = (byte[])valid.Clone();
        var width = new[] { 1, 2, 4, 8 }[_random.Next(4)];
        if (bytes.Length < width)
        {
            return bytes;
        }

        // Headers and counts sit near the start: favour the first 128 bytes.
        var limit = _random.Next(2) == 0 ? Math.Min(bytes.Length, 128) : bytes.Length;
        var at = _random.Next(limit - width + 1);
        var value = _random.Next(4) == 0 ? _random.NextInt64() : HostileIntegers[_random.Next(HostileIntegers.Length)];
        var span = bytes.AsSpan(at, width);
        switch (width)
        {
            case 1: span[0] = (byte)value; break;
            case 2: BinaryPrimitives.WriteInt16LittleEndian(span, (short)value); break;
            case 4: BinaryPrimitives.WriteInt32LittleEndian(span, (int)value); break;
            default: BinaryPrimitives.WriteInt64LittleEndian(span, value); break;
        }

        return bytes;
    }

    /// <summary>Replaces a run of digits (a count, a dimension, a shape, a value) with a hostile number.</summary>
    private byte[] EditNumber(byte[] valid)
    {
        var runs = new List<(int Start, int Length)>();
        for (var i = 0; i < valid.Length;)
        {
            if (valid[i] is >= (byte)'0' and <= (byte)'9')
            {
                var start = i;
                while (i < valid.Length && valid[i] is >= (byte)'0' and <= (byte)'9' or (byte)'.' or (byte)'-' or (byte)'e')
                {
                    i++;
                }

                runs.Add((start, i - start));
            }
            else
            {
                i++;
            }
        }

        if (runs.Count == 0)
        {
            return EditBinaryField(valid);
        }

        // The first numbers are the header (count, dimensions, shape) more often than not: favour them.
        var (s, l) = runs[_random.Next(2) == 0 ? _random.Next(Math.Min(runs.Count, 4)) : _random.Next(runs.Count)];
        var replacement = Encoding.ASCII.GetBytes(HostileNumbers[_random.Next(HostileNumbers.Length)]);
        return [.. valid[..s], .. replacement, .. valid[(s + l)..]];
    }

    private byte[] RandomBytes(int n)
    {
        var bytes = new byte[n];
        _random.NextBytes(bytes);
        return bytes;
    }
}
