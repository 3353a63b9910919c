using System.Text.Json;

namespace Qianru.Models.Import;

/// <summary>
/// The tensors of <c>model.safetensors</c>, or of the shards that <c>model.safetensors.index.json</c> names
/// (<c>weight_map</c>: tensor name → shard file in the same folder).
/// </summary>
internal sealed class SafetensorsWeights : WeightSource
{
    private readonly List<SafetensorsFile> _files;
    private readonly Dictionary<string, (WeightTensor Tensor, SafetensorsFile File)> _tensors = new(StringComparer.Ordinal);

    private SafetensorsWeights(List<SafetensorsFile> files)
    {
        _files = files;
        foreach (var file in files)
        {
            foreach (var tensor in file.Tensors)
            {
                if (!_tensors.TryAdd(tensor.Name, (tensor, file)))
                {
                    throw new InvalidDataException($"{file.Path}: tensor {tensor.Name} is also in {_tensors[tensor.Name].File.Path}; a tensor must live in one shard.");
                }
            }
        }

        Tensors = _tensors.ToDictionary(t => t.Key, t => t.Value.Tensor, StringComparer.Ordinal);
    }

    public override IReadOnlyDictionary<string, WeightTensor> Tensors { get; }

    public override IReadOnlyList<string> Files => [.. _files.Select(f => f.Path)];

    /// <summary>Opens one safetensors file.</summary>
    public static SafetensorsWeights OpenFile(string path) => Open([path]);

    /// <summary>Opens the shards a <c>model.safetensors.index.json</c> names.</summary>
    public static SafetensorsWeights OpenIndex(string indexPath)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(indexPath));
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{indexPath}: not valid JSON ({ex.Message}).", ex);
        }

        var folder = Path.GetDirectoryName(indexPath)!;
        var shards = new SortedSet<string>(StringComparer.Ordinal);
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{indexPath}: no weight_map object (tensor name → shard file).");
            }

            foreach (var entry in map.EnumerateObject())
            {
                var shard = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString()! : "";
                if (shard.Length == 0 || shard != Path.GetFileName(shard) || shard is "." or "..")
                {
                    throw new InvalidDataException($"{indexPath}: weight_map gives tensor {entry.Name} the shard '{shard}'; shards are file names in the same folder.");
                }

                shards.Add(shard);
            }
        }

        var paths = shards.Select(s => Path.Combine(folder, s)).ToList();
        if (paths.FirstOrDefault(p => !File.Exists(p)) is { } missing)
        {
            throw new QianruException($"{missing}: missing; {Path.GetFileName(indexPath)} names it as a shard of the weights.");
        }

        return Open(paths);
    }

    public override string FileOf(string name) => _tensors[name].File.Path;

    public override void ReadFloats(string name, long start, Span<float> destination) => _tensors[name].File.ReadFloats(name, start, destination);

    public override void Dispose()
    {
        foreach (var file in _files)
        {
            file.Dispose();
        }
    }

    private static SafetensorsWeights Open(IReadOnlyList<string> paths)
    {
        var files = new List<SafetensorsFile>();
        try
        {
            foreach (var path in paths)
            {
                files.Add(SafetensorsFile.Open(path));
            }

            return new SafetensorsWeights(files);
        }
        catch
        {
            foreach (var file in files)
            {
                file.Dispose();
            }

            throw;
        }
    }
}
