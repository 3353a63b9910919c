using System.Net;

namespace Qianru.Server.Http;

/// <summary>
/// The <c>Host</c> names a server answers to (see <see cref="QianruServerOptions.AllowedHosts"/>): a request whose
/// <c>Host</c> is not in the list is refused, so that a page on another origin that rebinds its DNS name to
/// 127.0.0.1 cannot use a local server. Compared without the port, case-insensitively.
/// </summary>
internal sealed class HostAllowList
{
    private static readonly string[] LocalNames = ["localhost", "*.localhost", "127.0.0.1", "[::1]"];

    private readonly HashSet<string> _names = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _suffixes = [];
    private readonly bool _any;

    private HostAllowList(IEnumerable<string> entries)
    {
        foreach (var entry in entries)
        {
            if (entry == "*")
            {
                _any = true;
            }
            else if (entry.StartsWith("*.", StringComparison.Ordinal))
            {
                _suffixes.Add(entry[1..]);
            }
            else
            {
                _names.Add(entry);
            }
        }

        Description = _any ? "*" : string.Join(", ", entries);
    }

    /// <summary>The allowed names, for messages.</summary>
    public string Description { get; }

    /// <summary>The list a server bound to <paramref name="address"/> uses: <paramref name="configured"/>, or the default described on <see cref="QianruServerOptions.AllowedHosts"/>.</summary>
    public static HostAllowList For(IPAddress address, IReadOnlyList<string>? configured)
    {
        if (configured is not null)
        {
            return new HostAllowList(configured);
        }

        return IPAddress.IsLoopback(address)
            ? new HostAllowList(LocalNames.Append(Normalize(address.ToString())).Distinct(StringComparer.OrdinalIgnoreCase))
            : new HostAllowList(["*"]);
    }

    /// <summary>Whether a request with this <c>Host</c> is answered. A request without one (HTTP/1.0) is: browsers always send it.</summary>
    public bool Allows(HostString host)
    {
        if (_any || !host.HasValue || host.Host.Length == 0)
        {
            return true;
        }

        var name = host.Host.TrimEnd('.');
        if (_names.Contains(name))
        {
            return true;
        }

        foreach (var suffix in _suffixes)
        {
            if (name.Length > suffix.Length && name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Checks one entry and writes it as requests spell it: lower-case, IPv6 in brackets.</summary>
    /// <exception cref="ArgumentException">The entry is empty or not a name, an address, <c>*.name</c> or <c>*</c>.</exception>
    public static string Normalize(string entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var e = entry.Trim().TrimEnd('.').ToLowerInvariant();
        if (e == "*")
        {
            return e;
        }

        if (IPAddress.TryParse(e.Trim('[', ']'), out var ip) && (e.Contains(':', StringComparison.Ordinal) || ip.ToString() == e))
        {
            return ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString();
        }

        var name = e.StartsWith("*.", StringComparison.Ordinal) ? e[2..] : e;
        return name.Length > 0 && Uri.CheckHostName(name) == UriHostNameType.Dns
            ? e
            : throw new ArgumentException($"'{entry}' is not a host name, an IP address, '*.name' or '*'.", nameof(entry));
    }
}
