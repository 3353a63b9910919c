using Qianru.Cli.Infrastructure;
using Qianru.Collections;
using Qianru.Collections.PostgreSQL;

namespace Qianru.Cli.Search;

/// <summary>Where a collection argument points: a SQLite file (relative to the working directory) or a PostgreSQL URI.</summary>
internal static class CollectionLocation
{
    public const string Description = "The collection: a SQLite file, or postgres://USER@HOST:PORT/DATABASE?collection=NAME (pgvector; the password from PGPASSWORD or the URI)";

    public static VectorCollection Create(string location, CollectionInfo info, CliContext context)
    {
        if (VectorCollection.IsPostgresUri(location))
        {
            return PostgresCollection.Create(location, info);
        }

        var path = context.ResolvePath(location);
        if (File.Exists(path))
        {
            throw new QianruException($"{path} already exists; add to it with 'qianru index add', or choose another file");
        }

        return VectorCollection.Create(path, info);
    }

    /// <summary>Opens a collection; <paramref name="readOnly"/> opens a file without writing anything (search, info).</summary>
    public static VectorCollection Open(string location, CliContext context, bool readOnly = false) =>
        VectorCollection.IsPostgresUri(location)
            ? PostgresCollection.Open(location)
            : VectorCollection.Open(context.ResolvePath(location), new CollectionOpenOptions { ReadOnly = readOnly });
}
