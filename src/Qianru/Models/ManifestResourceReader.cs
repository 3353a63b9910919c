using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Qianru.Models;

/// <summary>Reads a manifest resource out of an assembly file without loading the assembly or its dependencies.</summary>
internal static class ManifestResourceReader
{
    public static byte[] Read(string assemblyPath, string resourceName)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        if (!pe.HasMetadata || pe.PEHeaders.CorHeader is null)
        {
            throw new InvalidDataException($"{assemblyPath}: not a .NET assembly.");
        }

        var metadata = pe.GetMetadataReader();
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            if (!resource.Implementation.IsNil || metadata.GetString(resource.Name) != resourceName)
            {
                continue;
            }

            var directory = pe.PEHeaders.CorHeader.ResourcesDirectory;
            if (!pe.PEHeaders.TryGetDirectoryOffset(directory, out var start))
            {
                break;
            }

            var offset = start + resource.Offset;
            stream.Position = offset;
            Span<byte> lengthBytes = stackalloc byte[4];
            stream.ReadExactly(lengthBytes);
            var length = BitConverter.ToInt32(lengthBytes);
            if (length < 0 || offset + 4 + length > stream.Length)
            {
                throw new InvalidDataException($"{assemblyPath}: resource {resourceName} is truncated.");
            }

            var bytes = GC.AllocateUninitializedArray<byte>(length);
            stream.ReadExactly(bytes);
            return bytes;
        }

        throw new InvalidDataException($"{assemblyPath}: has no resource {resourceName}.");
    }
}
