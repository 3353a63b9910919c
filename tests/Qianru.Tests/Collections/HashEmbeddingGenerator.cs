using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.AI;
using Qianru.Models;

namespace Qianru.Tests.Collections;

/// <summary>A deterministic test generator: each text's vector comes from the SHA-256 of its bytes.</summary>
/// <remarks>With a <paramref name="fingerprint"/>, it also answers <see cref="ModelInfo"/> with it, as a loaded model does.</remarks>
internal sealed class HashEmbeddingGenerator(string modelId = "test-hash", int dimensions = 16, string? fingerprint = null) : IEmbeddingGenerator<string, Embedding<float>>
{
    public int Calls { get; private set; }

    public static float[] Vector(string text, int dimensions)
    {
        var v = new float[dimensions];
        for (var i = 0; i < dimensions; i++)
        {
            var h = SHA256.HashData(Encoding.UTF8.GetBytes($"{i}:{text}"));
            v[i] = (BitConverter.ToUInt16(h, 0) / 32768f) - 1f;
        }

        return v;
    }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        Calls++;
        return Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(values.Select(t => new Embedding<float>(Vector(t, dimensions)) { ModelId = modelId })));
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(EmbeddingGeneratorMetadata) ? new EmbeddingGeneratorMetadata("test", null, modelId, dimensions)
        : serviceType == typeof(ModelInfo) && fingerprint is not null
            ? new ModelInfo { Id = modelId, Source = "test", Dimensions = dimensions, MaxSequenceLength = 512, Pooling = PoolingMode.Mean, Normalize = false, Fingerprint = fingerprint }
            : null;

    public void Dispose()
    {
    }
}
