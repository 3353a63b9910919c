using System.Security.Cryptography;
using System.Text.Json;
using Qianru.IO;
using Qianru.Models;

namespace Qianru.Quantization;

/// <summary>
/// The on-disk cache of the int8 variants of the embedded models (<c>minilm-int8</c>, <c>arctic-xs-int8</c>), made on first use.
/// </summary>
/// <remarks>
/// Location: <c>$QIANRU_CACHE_DIR</c>, else <c>$XDG_CACHE_HOME/qianru</c>, else <c>~/.cache/qianru</c>; files under
/// <c>quantized/</c>. The file name carries the model id, <see cref="FormatVersion"/>, the quantization settings and
/// a hash of the source ONNX bytes, so a new package or a new Qianru quantizer never reuses an old file. Each model
/// has a manifest written after it (both through a temporary file and an atomic rename) holding the model's size and
/// SHA-256; a file that does not match its manifest is rebuilt, never loaded.
/// </remarks>
internal static class QuantizedModelCache
{
    /// <summary>Bump whenever the quantizer's output for the same input changes.</summary>
    public const int FormatVersion = 2;

    public const string CacheVariable = "QIANRU_CACHE_DIR";

    private static readonly object Gate = new();

    /// <summary>The default settings of the embedded int8 variants.</summary>
    public static QuantizationOptions EmbeddedOptions { get; } = new();

    public static string Folder
    {
        get
        {
            if (Environment.GetEnvironmentVariable(CacheVariable) is { Length: > 0 } dir)
            {
                return Path.GetFullPath(dir);
            }

            var root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "qianru");
        }
    }

    /// <summary>Loads an int8 variant: the source model's tokenizer and settings with the cached (or newly made) quantized ONNX file.</summary>
    public static ModelDefinition Load(EmbeddedModel variant, EmbeddedModel source)
    {
        var baseModel = ModelLoader.LoadEmbedded(source);
        var path = GetOrCreate(Folder, variant.Info.Id, baseModel.OnnxBytes!, EmbeddedOptions, CalibrationText.Sequences(baseModel.Tokenizer, baseModel.Info.MaxSequenceLength));
        return new ModelDefinition
        {
            Info = variant.Info,
            Tokenizer = baseModel.Tokenizer,
            OnnxPath = path,
            CacheKey = Path.GetFileNameWithoutExtension(path),
        };
    }

    /// <summary>
    /// Returns the path of a valid quantized model for the source bytes, quantizing and caching it when needed.
    /// The file name carries a hash of the calibration token ids when the per-row method's smoothing uses them.
    /// </summary>
    public static string GetOrCreate(string cacheFolder, string id, Func<byte[]> sourceBytes, QuantizationOptions options, IReadOnlyList<long[]>? calibration)
    {
        var source = sourceBytes();
        var sourceHash = Convert.ToHexStringLower(SHA256.HashData(source));
        var folder = Path.Combine(cacheFolder, "quantized");
        var calibrationTag = options.Method == QuantizationMethod.RowInt8 && options.SmoothingAlpha > 0 && calibration is { Count: > 0 }
            ? "-c" + Convert.ToHexStringLower(SHA256.HashData(calibration.SelectMany(ids => ids.Append(-1L)).SelectMany(BitConverter.GetBytes).ToArray()))[..8]
            : "";
        var name = $"{id}-v{FormatVersion}-{Tag(options)}{calibrationTag}-{sourceHash[..16]}";
        var model = Path.Combine(folder, name + ".onnx");
        var manifest = Path.Combine(folder, name + ".json");
        lock (Gate)
        {
            if (IsValid(model, manifest, sourceHash))
            {
                return model;
            }

            try
            {
                Directory.CreateDirectory(folder);
                var bytes = ModelQuantizer.QuantizeOnnx(source, options, out _, id, calibration);
                AtomicFile.WriteAllBytes(model, bytes);
                var entry = new CacheManifest(FormatVersion, id, sourceHash, Tag(options), bytes.LongLength, Convert.ToHexStringLower(SHA256.HashData(bytes)));
                AtomicFile.WriteAllBytes(manifest, JsonSerializer.SerializeToUtf8Bytes(entry));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new QianruException($"{folder}: cannot write the quantized model {id} there ({ex.Message}); set {CacheVariable} to a writable folder.");
            }

            return IsValid(model, manifest, sourceHash)
                ? model
                : throw new QianruException($"{model}: the quantized model changed while it was being written; another process may be writing the same cache ({CacheVariable} = {cacheFolder}).");
        }
    }

    internal static string Tag(QuantizationOptions o) =>
        (o.Method == QuantizationMethod.RowInt8
            ? $"row8-a{(int)MathF.Round(o.SmoothingAlpha * 100)}{(Int8Hardware.ReduceRange(o) ? "-r7" : "")}"
            : $"b{o.Bits}-blk{o.BlockSize}-acc{o.AccuracyLevel}{(o.PerChannel ? "-pc" : "")}")
        + $"{(o.Exclude.Count > 0 ? "-x" + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', o.Exclude))))[..8] : "")}";

    private static bool IsValid(string model, string manifest, string sourceHash)
    {
        try
        {
            if (!File.Exists(model) || !File.Exists(manifest))
            {
                return false;
            }

            var entry = JsonSerializer.Deserialize<CacheManifest>(File.ReadAllBytes(manifest));
            if (entry is null || entry.Format != FormatVersion || entry.SourceSha256 != sourceHash || new FileInfo(model).Length != entry.Size)
            {
                return false;
            }

            using var stream = File.OpenRead(model);
            return Convert.ToHexStringLower(SHA256.HashData(stream)) == entry.Sha256;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return false;
        }
    }

    private sealed record CacheManifest(int Format, string Id, string SourceSha256, string Options, long Size, string Sha256);
}
