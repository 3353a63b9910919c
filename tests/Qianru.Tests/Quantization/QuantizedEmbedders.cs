using Qianru.Quantization;

namespace Qianru.Tests.Quantization;

/// <summary>
/// One int8 MiniLM for all quantization tests, made through the normal path (<c>SentenceEmbedder.Create("minilm-int8")</c>)
/// into a cache folder of this test run.
/// </summary>
internal static class QuantizedEmbedders
{
    public static readonly string CacheFolder = Path.Combine(Path.GetTempPath(), "qianru-tests", "cache-" + Environment.ProcessId);

    private static readonly Lazy<SentenceEmbedder> LazyMiniLm = new(() =>
    {
        Environment.SetEnvironmentVariable(QuantizedModelCache.CacheVariable, CacheFolder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(CacheFolder, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temporary folder.
            }
        };
        return SentenceEmbedder.Create("minilm-int8");
    });

    public static SentenceEmbedder MiniLmInt8 => LazyMiniLm.Value;
}
