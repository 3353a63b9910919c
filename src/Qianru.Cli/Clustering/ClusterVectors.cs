namespace Qianru.Cli.Clustering;

/// <summary>Reads the rows for <c>qianru cluster --vectors</c> through the library's vector file reader.</summary>
internal static class ClusterVectors
{
    public static IReadOnlyList<float[]> Read(string path, string shownAs)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"--vectors {shownAs}: file not found.", path);
        }

        // TODO(vectors): return Qianru.IO.VectorFile.Read(path); once branch vectors is merged.
        throw new NotSupportedException($"--vectors {shownAs}: reading vector files is not in this build yet.");
    }
}
