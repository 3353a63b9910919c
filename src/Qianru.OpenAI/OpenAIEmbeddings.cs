using System.ClientModel;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Qianru.Providers;

/// <summary>
/// Embeddings from any OpenAI-compatible endpoint (OpenAI, Azure-compatible proxies, <c>qianru serve</c>, vLLM,
/// text-embeddings-inference) as an <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>, built on the official OpenAI
/// .NET client through Microsoft.Extensions.AI.OpenAI.
/// </summary>
public static class OpenAIEmbeddings
{
    /// <summary>Creates the generator. It is thread-safe; dispose it when done.</summary>
    /// <exception cref="QianruException">No API key for OpenAI's own endpoint.</exception>
    public static IEmbeddingGenerator<string, Embedding<float>> Create(OpenAIProviderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ApiKey is null or "" && options.BaseUrl is null)
        {
            throw new QianruException("OPENAI_API_KEY is not set (in the environment or .env); OpenAI needs an API key. For a local server set OPENAI_BASE_URL, e.g. http://127.0.0.1:8080/v1.");
        }

        var clientOptions = new OpenAIClientOptions();
        if (options.BaseUrl is not null)
        {
            clientOptions.Endpoint = options.BaseUrl;
        }

        // A server without keys ignores the header; the client needs some credential.
        var client = new OpenAIClient(new ApiKeyCredential(options.ApiKey is { Length: > 0 } key ? key : "none"), clientOptions);
        var inner = client.GetEmbeddingClient(options.Model).AsIEmbeddingGenerator(options.Dimensions);
        return new ChunkedEmbeddingGenerator(inner, options.BatchSize);
    }
}
