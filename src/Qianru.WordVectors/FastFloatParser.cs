using System.Globalization;

namespace Qianru.WordVectors;

/// <summary>
/// Parses decimal numbers from UTF-8 bytes quickly: the common case (at most 19 significant digits, small exponent)
/// is one multiplication or division by an exact power of ten in double precision; anything else goes to
/// <see cref="float.TryParse(ReadOnlySpan{byte}, NumberStyles, IFormatProvider?, out float)"/>.
/// </summary>
internal static class FastFloatParser
{
    private static readonly double[] PowersOfTen =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    public static bool TryParse(ReadOnlySpan<byte> s, out float value)
    {
        var i = 0;
        var negative = false;
        if (s.Length > 0 && (s[0] == (byte)'-' || s[0] == (byte)'+'))
        {
            negative = s[0] == (byte)'-';
            i = 1;
        }

        ulong mantissa = 0;
        var digits = 0;
        var exponent = 0;
        var anyDigit = false;
        while (i < s.Length && (uint)(s[i] - '0') <= 9)
        {
            anyDigit = true;
            if (digits < 19)
            {
                mantissa = mantissa * 10 + (uint)(s[i] - '0');
                if (mantissa != 0)
                {
                    digits++;
                }
            }
            else
            {
                exponent++;
            }

            i++;
        }

        if (i < s.Length && s[i] == (byte)'.')
        {
            i++;
            while (i < s.Length && (uint)(s[i] - '0') <= 9)
            {
                anyDigit = true;
                if (digits < 19)
                {
                    mantissa = mantissa * 10 + (uint)(s[i] - '0');
                    if (mantissa != 0)
                    {
                        digits++;
                    }

                    exponent--;
                }

                i++;
            }
        }

        if (!anyDigit)
        {
            return Slow(s, out value);
        }

        if (i < s.Length && (s[i] | 0x20) == (byte)'e')
        {
            i++;
            var expNegative = false;
            if (i < s.Length && (s[i] == (byte)'-' || s[i] == (byte)'+'))
            {
                expNegative = s[i] == (byte)'-';
                i++;
            }

            var e = 0;
            var expDigits = 0;
            while (i < s.Length && (uint)(s[i] - '0') <= 9)
            {
                if (e < 100000)
                {
                    e = e * 10 + (s[i] - '0');
                }

                expDigits++;
                i++;
            }

            if (expDigits == 0)
            {
                value = 0;
                return false;
            }

            exponent += expNegative ? -e : e;
        }

        if (i != s.Length)
        {
            value = 0;
            return false;
        }

        if (mantissa >= (1UL << 53) || exponent < -22 || exponent > 22)
        {
            return Slow(s, out value);
        }

        double d = mantissa;
        d = exponent < 0 ? d / PowersOfTen[-exponent] : d * PowersOfTen[exponent];
        value = (float)(negative ? -d : d);
        return true;
    }

    /// <summary>.NET's parser, plus C's spellings inf, infinity and nan (as fastText and numpy write them).</summary>
    private static bool Slow(ReadOnlySpan<byte> s, out float value)
    {
        if (float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        var sign = s.Length > 0 && s[0] is (byte)'-' or (byte)'+' ? 1 : 0;
        var word = s[sign..];
        if (System.Text.Ascii.EqualsIgnoreCase(word, "inf"u8) || System.Text.Ascii.EqualsIgnoreCase(word, "infinity"u8))
        {
            value = s[0] == (byte)'-' ? float.NegativeInfinity : float.PositiveInfinity;
            return true;
        }

        if (System.Text.Ascii.EqualsIgnoreCase(word, "nan"u8))
        {
            value = float.NaN;
            return true;
        }

        return false;
    }
}
