namespace Qianru.Cli.Clustering;

/// <summary>Reads the rows for <c>qianru cluster --vectors</c> through the library's vector file reader.</summary>
internal static class ClusterVectors
{
    public static VectorMatrix Read(string path, string shownAs, CancellationToken cancellationToken = default)
    {
        if (Directory.Exists(path))
        {
            throw new Infrastructure.CliUsageException($"--vectors {shownAs}: is a folder; give a file.");
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"--vectors {shownAs}: file not found.", path);
        }

        var rows = Qianru.IO.VectorFile.ReadMatrix(path, cancellationToken);
        if (rows.Rows == 0)
        {
            throw new InvalidDataException($"--vectors {shownAs}: the file holds no vectors.");
        }

        return rows;
    }
}
