using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Qianru.Quantization;

namespace Qianru.Models.Import;

/// <summary>
/// Turns a Hugging Face model folder with weights but no ONNX export (<c>model.safetensors</c>, its sharded index, or
/// <c>pytorch_model.bin</c>) into an ONNX graph built by <see cref="EncoderGraphBuilder"/>, cached outside the folder
/// (which may be read-only, as the Hugging Face cache is).
/// </summary>
/// <remarks>
/// Location: the folder of <see cref="QuantizedModelCache.Folder"/> (<c>$QIANRU_CACHE_DIR</c>, else
/// <c>$XDG_CACHE_HOME/qianru</c>, else <c>~/.cache/qianru</c>), under <c>imported/</c>. The key hashes the builder's
/// <see cref="EncoderGraphBuilder.FormatVersion"/>, the bytes of config.json and, for each weights file, its resolved
/// path (a Hugging Face cache symlink resolves to a blob named by its content hash), size and modification time, so a
/// changed weights file is never served stale and a second load reads no weights. Each graph is written into a
/// temporary folder and renamed into place with a manifest of its file sizes; a folder whose files do not match
/// its manifest is rebuilt. Thread-safe; concurrent processes each build and the first rename wins.
/// </remarks>
internal static class ImportedModelCache
{
    public const string OnnxFile = "model.onnx";
    public const string DataFile = "model.onnx.data";
    private const string ManifestFile = "qianru-import.json";

    private static readonly object Gate = new();

    /// <summary>The weight files Qianru imports, in order of preference.</summary>
    public static readonly string[] WeightFiles = ["model.safetensors.index.json", "model.safetensors", "pytorch_model.bin"];

    /// <summary>Whether a folder has weights the importer reads.</summary>
    public static string? FindWeights(string folder) => WeightFiles.Select(f => Path.Combine(folder, f)).FirstOrDefault(File.Exists);

    /// <summary>The path of the built model.onnx for a model folder, built on first use.</summary>
    public static string GetOrBuild(string folder) => GetOrBuild(folder, Path.Combine(QuantizedModelCache.Folder, "imported"));

    public static string GetOrBuild(string folder, string cacheFolder)
    {
        var weightsPath = FindWeights(folder)
            ?? throw new QianruException($"{folder}: no model.onnx, onnx/model.onnx, model.safetensors or pytorch_model.bin; a model folder needs an ONNX export or Hugging Face weights, plus its tokenizer files.");
        var configPath = Path.Combine(folder, "config.json");
        if (!File.Exists(configPath))
        {
            throw new QianruException($"{folder}: has {Path.GetFileName(weightsPath)} but no config.json; Qianru needs the model's config.json to build it.");
        }

        var config = EncoderConfig.Read(configPath);
        using var weights = Open(weightsPath);
        var key = Key(configPath, weights.Files);
        var name = $"{Sanitize(Path.GetFileName(Path.TrimEndingDirectorySeparator(folder)))}-{key}";
        var target = Path.Combine(cacheFolder, name);
        lock (Gate)
        {
            if (IsComplete(target))
            {
                return Path.Combine(target, OnnxFile);
            }

            var temp = Path.Combine(cacheFolder, $".{name}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
            try
            {
                Directory.CreateDirectory(temp);
                EncoderGraphBuilder.Build(config, weights, configPath, Path.Combine(temp, OnnxFile), DataFile);
                var manifest = new Manifest(EncoderGraphBuilder.FormatVersion, folder, [.. weights.Files],
                    new FileInfo(Path.Combine(temp, OnnxFile)).Length, new FileInfo(Path.Combine(temp, DataFile)).Length);
                File.WriteAllBytes(Path.Combine(temp, ManifestFile), JsonSerializer.SerializeToUtf8Bytes(manifest));
                if (Directory.Exists(target))
                {
                    Directory.Delete(target, recursive: true);
                }

                try
                {
                    Directory.Move(temp, target);
                }
                catch (IOException) when (IsComplete(target))
                {
                    // Another process finished the same graph first.
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new QianruException($"{cacheFolder}: cannot write the ONNX graph built from {weightsPath} there ({ex.Message}); set {QuantizedModelCache.CacheVariable} to a writable folder.", ex);
            }
            finally
            {
                if (Directory.Exists(temp))
                {
                    Directory.Delete(temp, recursive: true);
                }
            }

            return IsComplete(target)
                ? Path.Combine(target, OnnxFile)
                : throw new QianruException($"{target}: the built graph changed while it was written; another process may be writing the same cache ({QuantizedModelCache.CacheVariable}).");
        }
    }

    /// <summary>Opens the weights file the folder has (safetensors index, safetensors or torch zip).</summary>
    public static WeightSource Open(string path) => Path.GetFileName(path) switch
    {
        "model.safetensors.index.json" => SafetensorsWeights.OpenIndex(path),
        var f when f.EndsWith(".safetensors", StringComparison.Ordinal) => SafetensorsWeights.OpenFile(path),
        _ => TorchCheckpoint.Open(path),
    };

    private static string Key(string configPath, IReadOnlyList<string> files)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"format {EncoderGraphBuilder.FormatVersion}\n");
        text.Append(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(configPath)))).Append('\n');
        foreach (var file in files)
        {
            var resolved = File.ResolveLinkTarget(file, returnFinalTarget: true)?.FullName ?? Path.GetFullPath(file);
            var info = new FileInfo(resolved);
            text.Append(CultureInfo.InvariantCulture, $"{resolved}\n{info.Length}\n{info.LastWriteTimeUtc.Ticks}\n");
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    private static bool IsComplete(string target)
    {
        try
        {
            var manifestPath = Path.Combine(target, ManifestFile);
            if (!File.Exists(manifestPath))
            {
                return false;
            }

            var manifest = JsonSerializer.Deserialize<Manifest>(File.ReadAllBytes(manifestPath));
            var onnx = new FileInfo(Path.Combine(target, OnnxFile));
            var data = new FileInfo(Path.Combine(target, DataFile));
            return manifest is not null && manifest.Format == EncoderGraphBuilder.FormatVersion
                && onnx.Exists && onnx.Length == manifest.OnnxSize && data.Exists && data.Length == manifest.DataSize;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return false;
        }
    }

    private static string Sanitize(string name) => new([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]);

    private sealed record Manifest(int Format, string Folder, string[] Weights, long OnnxSize, long DataSize);
}
