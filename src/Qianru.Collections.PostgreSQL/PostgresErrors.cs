using System.Net.Sockets;
using Npgsql;

namespace Qianru.Collections.PostgreSQL;

/// <summary>Turns what Npgsql and PostgreSQL report into one line that names the collection and never the password.</summary>
internal static class PostgresErrors
{
    public static QianruException Map(Exception error, PostgresLocation location)
    {
        var where = location.Display;
        string message;
        if (error is PostgresException pg)
        {
            message = pg.SqlState switch
            {
                "28P01" or "28000" => $"{where}: password authentication failed for user \"{location.User}\" (the password comes from the URI or PGPASSWORD)",
                "3D000" => $"{where}: database \"{location.Database}\" does not exist",
                "42501" => $"{where}: permission denied ({pg.MessageText}); the user needs rights on the collection's tables",
                "25006" => $"{where}: the server accepts no writes here ({pg.MessageText}): a read-only server or replica can be searched but not changed",
                "53300" => $"{where}: the server has too many connections ({pg.MessageText}); lower max_pool_size or retry",
                "57P03" => $"{where}: the server is not accepting connections yet ({pg.MessageText})",
                _ => $"{where}: PostgreSQL error {pg.SqlState}: {pg.MessageText}",
            };
        }
        else if (Inner<SocketException>(error) is { } socket)
        {
            message = $"{where}: cannot connect to PostgreSQL at {location.Host}:{location.Port} ({socket.Message})";
        }
        else if (error is TimeoutException || Inner<TimeoutException>(error) is not null)
        {
            message = $"{where}: PostgreSQL at {location.Host}:{location.Port} did not answer in time";
        }
        else if (Inner<IOException>(error) is { } io)
        {
            message = $"{where}: the connection to PostgreSQL at {location.Host}:{location.Port} failed ({io.Message})";
        }
        else
        {
            message = $"{where}: {error.Message}";
        }

        return new QianruException(location.Scrub(message.ReplaceLineEndings(" ")));
    }

    public static bool IsDatabaseError(Exception error) => error is NpgsqlException or TimeoutException;

    private static T? Inner<T>(Exception error)
        where T : Exception
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        return null;
    }
}
