using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Qianru.IO;
using Qianru.Quantization;
using Qianru.Tokenization;

namespace Qianru.Models;

/// <summary>
/// Identifies what a model computes, whatever it is called: <c>sha256:</c> + the SHA-256 of (1) the SHA-256 of its
/// ONNX weights (the ONNX file with its external-data files beside it, or an embedded model's ONNX bytes), (2) its
/// tokenizer's vocabulary in id order, special-token ids and the ids it gives a fixed set of probe texts, prepared as the
/// embedder prepares text (so lower-casing and accent stripping count wherever they happen, and a vocab.txt and a
/// tokenizer.json of the same vocabulary agree), and (3) the settings that shape vectors: pooling, prompt handling,
/// normalization, dimensions and the token limit.
/// </summary>
/// <remarks>
/// The same weights and tokenizer give the same fingerprint whether they come embedded or from a folder of any name;
/// a folder named <c>minilm</c> that holds another model's weights gets another fingerprint. Hashing the weights reads
/// them once; the result is cached in memory and on disk (Qianru's cache folder, <c>fingerprints/</c>) under the
/// file's full path, size and modification time (an embedded model: its cache key, which changes with its package), so
/// later loads only check those. Settings not listed (prompts, the description) do not count.
/// </remarks>
internal static class ModelFingerprint
{
    private const string Version = "qianru-model-fingerprint/1";

    // Texts whose ids show how a tokenizer normalizes: case, accents, CJK, punctuation, digits, emoji, long words.
    private static readonly string[] Probes =
    [
        "Hello, World! The QUICK brown fox; don't stop.",
        "Ünïcödé àccents: façade, naïve, résumé, Straße, İstanbul",
        "我们公司三季度接了个大单。日本語のテキスト、한국어 문장",
        "emoji 😀🚀 and symbols © ™ € ½ → ∞",
        "numbers 0 12 345.678 1e-5 #42 @user https://example.com/a?b=c",
        "tabs\tand\nnewlines\r\n  and   spaces ",
        "[CLS] [SEP] [UNK] [PAD] [MASK] <s> </s> <unk> <pad> <mask>",
        new string('x', 120) + " " + string.Concat(Enumerable.Repeat("antidisestablishmentarianism", 4)),
    ];

    private static readonly ConcurrentDictionary<string, string> WeightHashes = new(StringComparer.Ordinal);

    /// <summary>The fingerprint of <paramref name="model"/> with <paramref name="dimensions"/>; null when its weights cannot be read.</summary>
    public static string? Compute(ModelDefinition model, int dimensions)
    {
        var weights = WeightsHash(model);
        if (weights is null)
        {
            return null;
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text) => hash.AppendData(Encoding.UTF8.GetBytes(text + "\n"));
        Add(Version);
        Add("weights " + weights);
        var info = model.Info;
        AddTokenizer(model.Tokenizer, info.DoLowerCase, Add);
        Add(string.Create(CultureInfo.InvariantCulture,
            $"pooling {info.Pooling} include_prompt {info.IncludePrompt} normalize {info.Normalize} dimensions {dimensions} max_seq {info.MaxSequenceLength}"));
        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The first 12 hex digits, for messages.</summary>
    public static string Short(string fingerprint) =>
        fingerprint.StartsWith("sha256:", StringComparison.Ordinal) && fingerprint.Length > 19 ? fingerprint[7..19] : fingerprint;

    private static void AddTokenizer(EmbeddingTokenizer tokenizer, bool lowerCase, Action<string> add)
    {
        add(string.Create(CultureInfo.InvariantCulture,
            $"vocabulary {tokenizer.VocabularySize} unk {tokenizer.UnknownId} cls {tokenizer.ClassificationId} sep {tokenizer.SeparatorId} pad {tokenizer.PaddingId}"));
        var tokens = new StringBuilder();
        for (var id = 0; id < tokenizer.VocabularySize; id++)
        {
            tokens.Append(tokenizer.GetToken(id)).Append('\u0001');
        }

        add(tokens.ToString());
        foreach (var probe in Probes)
        {
            // As the embedder prepares text: lower-cased first when the model says so (do_lower_case).
            add(string.Join(',', tokenizer.Encode(lowerCase ? probe.ToLowerInvariant() : probe).Ids));
        }
    }

    private static string? WeightsHash(ModelDefinition model)
    {
        try
        {
            if (model.OnnxPath is { } onnx)
            {
                var files = WeightFiles(onnx);
                var key = string.Join('|', files.Select(f =>
                {
                    var info = new FileInfo(f);
                    return string.Create(CultureInfo.InvariantCulture, $"{info.FullName}:{info.Length}:{info.LastWriteTimeUtc.Ticks}");
                }));
                return Cached(key, () =>
                {
                    using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    var buffer = new byte[1 << 20];
                    foreach (var file in files)
                    {
                        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
                        int read;
                        while ((read = stream.Read(buffer)) > 0)
                        {
                            hash.AppendData(buffer, 0, read);
                        }
                    }

                    return Convert.ToHexStringLower(hash.GetHashAndReset());
                });
            }

            if (model.OnnxBytes is { } bytes)
            {
                return Cached("embedded:" + model.CacheKey, () => Convert.ToHexStringLower(SHA256.HashData(bytes())));
            }

            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The ONNX file and its external-data files (<c>model.onnx_data</c>, <c>model.onnx.data</c>, …), in name order.</summary>
    private static List<string> WeightFiles(string onnx)
    {
        var name = Path.GetFileName(onnx);
        var files = new List<string> { onnx };
        if (Path.GetDirectoryName(Path.GetFullPath(onnx)) is { } folder)
        {
            files.AddRange(Directory.EnumerateFiles(folder)
                .Where(f => Path.GetFileName(f) is var n && n.Length > name.Length && n.StartsWith(name, StringComparison.Ordinal) && n[name.Length] is '_' or '.')
                .Order(StringComparer.Ordinal));
        }

        return files;
    }

    private static string Cached(string key, Func<string> compute)
    {
        if (WeightHashes.TryGetValue(key, out var known))
        {
            return known;
        }

        var file = Path.Combine(QuantizedModelCache.Folder, "fingerprints", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..32] + ".txt");
        try
        {
            if (File.Exists(file) && File.ReadAllText(file).Split('\n') is [var storedKey, var storedHash, ..] && storedKey == key && storedHash.Length == 64)
            {
                return WeightHashes[key] = storedHash;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An unreadable cache entry is recomputed.
        }

        var computed = compute();
        WeightHashes[key] = computed;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            AtomicFile.WriteAllText(file, key + "\n" + computed + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The cache is an optimization: a read-only cache folder only costs hashing again next time.
        }

        return computed;
    }
}
