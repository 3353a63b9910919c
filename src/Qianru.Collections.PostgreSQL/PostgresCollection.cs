namespace Qianru.Collections.PostgreSQL;

/// <summary>
/// Opens <see cref="VectorCollection"/>s kept in PostgreSQL with pgvector, named by a URI:
/// <c>postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE?collection=NAME</c>. The collection then works as a SQLite one:
/// the same add, search, conflict policies, model checks and index rebuild.
/// </summary>
/// <remarks>
/// <para>The password comes from the URI, else <c>PGPASSWORD</c>, else Npgsql's password file; no message ever holds
/// it. The database needs pgvector (<c>CREATE EXTENSION vector;</c>, done by <see cref="Create"/> when the user may).
/// Other URI parameters: <c>sslmode</c>, <c>connect_timeout</c>, <c>application_name</c>, <c>max_pool_size</c>.</para>
/// <para>Several processes may add to and search one collection at once: conflicts are resolved by the database.
/// Unreachable servers, wrong passwords and missing rights are <see cref="QianruException"/>s with one line.</para>
/// </remarks>
public static class PostgresCollection
{
    /// <summary>Creates the collection's table (and pgvector, and Qianru's registry table, when missing).</summary>
    /// <exception cref="QianruException">The collection exists, the server cannot be reached, or the URI is not usable.</exception>
    public static VectorCollection Create(string uri, CollectionInfo info)
    {
        VectorCollection.CheckInfo(info);
        return new VectorCollection(PostgresCollectionStore.Create(PostgresLocation.Parse(uri), info));
    }

    /// <summary>Opens an existing collection.</summary>
    /// <exception cref="QianruException">No such collection, the server cannot be reached, or the URI is not usable.</exception>
    public static VectorCollection Open(string uri) =>
        new(PostgresCollectionStore.Open(PostgresLocation.Parse(uri)));
}
