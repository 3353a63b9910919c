using System.CommandLine;
using System.Globalization;
using System.Numerics;

namespace Qianru.Cli.Infrastructure;

/// <summary>
/// Gives numeric options their documented range: the range is appended to the option's help (so docs/cli.md shows it)
/// and checked while the command line is parsed, before a command allocates or loads anything. A value outside it is a
/// one-line usage error (exit 2) naming the option, the value and the range.
/// </summary>
internal static class OptionRange
{
    /// <summary>Accepts <paramref name="min"/> to <paramref name="max"/>, both included.</summary>
    public static Option<T> InRange<T>(this Option<T> option, T min, T max)
        where T : struct, INumber<T>
    {
        AddRange(option, $"{Show(min)} to {Show(max)}", value => value >= min && value <= max);
        return option;
    }

    /// <summary>Accepts <paramref name="min"/> to <paramref name="max"/>, both included; no value means the default.</summary>
    public static Option<T?> InRange<T>(this Option<T?> option, T min, T max)
        where T : struct, INumber<T>
    {
        AddRange(option, $"{Show(min)} to {Show(max)}", value => value is not { } v || (v >= min && v <= max));
        return option;
    }

    /// <summary>Accepts finite numbers above <paramref name="min"/> (excluded) up to <paramref name="max"/> (included).</summary>
    public static Option<T> AboveUpTo<T>(this Option<T> option, T min, T max)
        where T : struct, IFloatingPoint<T>
    {
        AddRange(option, $"above {Show(min)}, up to {Show(max)}", value => T.IsFinite(value) && value > min && value <= max);
        return option;
    }

    private static void AddRange<T>(Option<T> option, string range, Func<T, bool> accepts)
    {
        option.Description = $"{option.Description?.TrimEnd('.')}. Range: {range}.";
        option.Validators.Add(result =>
        {
            T value;
            try
            {
                value = result.GetValueOrDefault<T>();
            }
            catch (InvalidOperationException)
            {
                return; // not a number at all: the parser reports that
            }

            if (!accepts(value))
            {
                result.AddError($"{option.Name} {Show(value)}: out of range; must be {range}");
            }
        });
    }

    private static string Show<T>(T value) => value switch
    {
        null => "",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
