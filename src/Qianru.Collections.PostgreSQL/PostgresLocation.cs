using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace Qianru.Collections.PostgreSQL;

/// <summary>
/// A collection's PostgreSQL URI, <c>postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE?collection=NAME</c>, parsed into a
/// connection string, with a display form that never holds the password.
/// </summary>
/// <remarks>
/// The password comes from the URI, else the <c>PGPASSWORD</c> environment variable, else Npgsql's password file
/// (<c>PGPASSFILE</c>, <c>~/.pgpass</c>). Query parameters: <c>collection</c> (required: the table's name, lower-case
/// letters, digits and underscores, at most 48), <c>sslmode</c>, <c>connect_timeout</c> (seconds),
/// <c>application_name</c> and <c>max_pool_size</c> (connections per process, default 100); anything else is refused.
/// </remarks>
internal sealed partial class PostgresLocation
{
    private static readonly string[] Allowed = ["collection", "sslmode", "connect_timeout", "application_name", "max_pool_size"];

    private PostgresLocation(string display, string collection, string user, string host, int port, string database, string? password, NpgsqlConnectionStringBuilder connection)
    {
        Display = display;
        Collection = collection;
        User = user;
        Host = host;
        Port = port;
        Database = database;
        Password = password;
        ConnectionString = connection.ConnectionString;
    }

    /// <summary>The URI without the password: how every message names the collection.</summary>
    public string Display { get; }

    /// <summary>The collection's name: its table.</summary>
    public string Collection { get; }

    public string User { get; }

    public string Host { get; }

    public int Port { get; }

    public string Database { get; }

    /// <summary>The Npgsql connection string (holds the password: never show it).</summary>
    public string ConnectionString { get; }

    private string? Password { get; }

    /// <summary>Parses <paramref name="uri"/>.</summary>
    /// <exception cref="QianruException">Not a usable PostgreSQL URI; the message never holds the password.</exception>
    public static PostgresLocation Parse(string uri)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(uri);
        const string Shape = "postgres://USER@HOST:PORT/DATABASE?collection=NAME";
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("postgres" or "postgresql"))
        {
            throw new QianruException($"not a PostgreSQL collection URI (expected {Shape})");
        }

        var userInfo = parsed.UserInfo;
        var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
        var user = Uri.UnescapeDataString(colon >= 0 ? userInfo[..colon] : userInfo);
        var password = colon >= 0 ? Uri.UnescapeDataString(userInfo[(colon + 1)..]) : null;
        var host = parsed.Host.Trim('[', ']');
        var port = parsed.IsDefaultPort || parsed.Port < 0 ? 5432 : parsed.Port;
        var database = Uri.UnescapeDataString(parsed.AbsolutePath.Trim('/'));
        string Show() => $"postgres://{(user.Length > 0 ? Uri.EscapeDataString(user) + "@" : "")}{parsed.Host}:{port}/{Uri.EscapeDataString(database)}";
        if (string.IsNullOrEmpty(host))
        {
            throw new QianruException($"{Show()}: the URI names no host (expected {Shape})");
        }

        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in parsed.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(eq >= 0 ? pair[..eq] : pair);
            if (!Allowed.Contains(key))
            {
                throw new QianruException($"{Show()}: unknown URI parameter '{key}'; allowed: {string.Join(", ", Allowed)}");
            }

            query[key] = Uri.UnescapeDataString(eq >= 0 ? pair[(eq + 1)..] : "");
        }

        if (!query.TryGetValue("collection", out var collection) || !CollectionName().IsMatch(collection))
        {
            throw new QianruException($"{Show()}: the URI needs ?collection=NAME, a name of lower-case letters, digits and underscores (at most 48, not starting with a digit){(collection is null ? "" : $"; got '{collection}'")}");
        }

        if (user.Length == 0)
        {
            user = Environment.GetEnvironmentVariable("PGUSER") is { Length: > 0 } envUser ? envUser : Environment.UserName;
        }

        if (database.Length == 0)
        {
            database = user;
        }

        password ??= Environment.GetEnvironmentVariable("PGPASSWORD") is { Length: > 0 } envPassword ? envPassword : null;
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = host,
            Port = port,
            Username = user,
            Database = database,
            ApplicationName = query.GetValueOrDefault("application_name", "qianru"),
        };
        if (password is not null)
        {
            builder.Password = password;
        }

        if (query.TryGetValue("sslmode", out var sslMode))
        {
            builder.SslMode = sslMode.ToLowerInvariant() switch
            {
                "disable" => SslMode.Disable,
                "allow" => SslMode.Allow,
                "prefer" => SslMode.Prefer,
                "require" => SslMode.Require,
                "verify-ca" => SslMode.VerifyCA,
                "verify-full" => SslMode.VerifyFull,
                _ => throw new QianruException($"{Show()}: sslmode '{sslMode}' is not one of disable, allow, prefer, require, verify-ca, verify-full"),
            };
        }

        builder.Timeout = PositiveInt(query, "connect_timeout", 15, 1024, Show);
        builder.MaxPoolSize = PositiveInt(query, "max_pool_size", 100, 1024, Show);
        builder.MinPoolSize = 0;
        var display = $"postgres://{Uri.EscapeDataString(user)}@{parsed.Host}:{port}/{Uri.EscapeDataString(database)}?collection={collection}";
        return new PostgresLocation(display, collection, user, host, port, database, password, builder);
    }

    /// <summary><paramref name="message"/> with every occurrence of the password (as given and URI-escaped) replaced by <c>***</c>.</summary>
    public string Scrub(string message)
    {
        if (string.IsNullOrEmpty(Password))
        {
            return message;
        }

        return message.Replace(Password, "***", StringComparison.Ordinal).Replace(Uri.EscapeDataString(Password), "***", StringComparison.Ordinal);
    }

    private static int PositiveInt(Dictionary<string, string> query, string key, int fallback, int max, Func<string> show)
    {
        if (!query.TryGetValue(key, out var text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= 1 && value <= max
            ? value
            : throw new QianruException($"{show()}: {key} must be a whole number from 1 to {max} (got '{text}')");
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,47}$")]
    private static partial Regex CollectionName();
}
