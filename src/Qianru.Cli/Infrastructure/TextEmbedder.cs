using Microsoft.Extensions.AI;

namespace Qianru.Cli.Infrastructure;

/// <summary>
/// What similarity and cluster need from a model, whichever kind it is: a local ONNX model, sentence vectors from
/// word vectors (<c>--model words:FILE.vec</c>), or an OpenAI-compatible API (<c>--provider openai</c>).
/// </summary>
internal sealed class TextEmbedder : IDisposable
{
    private readonly SentenceEmbedder? _local;
    private readonly IEmbeddingGenerator<string, Embedding<float>>? _generator;

    private TextEmbedder(SentenceEmbedder? local, IEmbeddingGenerator<string, Embedding<float>>? generator, string id)
    {
        _local = local;
        _generator = generator;
        Id = id;
    }

    /// <summary>The model's id as shown to the user.</summary>
    public string Id { get; }

    /// <summary>The local model, or null for word vectors and remote providers.</summary>
    public SentenceEmbedder? Local => _local;

    public static TextEmbedder ForLocal(SentenceEmbedder local) => new(local, null, local.Model.Id);

    public static TextEmbedder ForGenerator(IEmbeddingGenerator<string, Embedding<float>> generator, string id) => new(null, generator, id);

    /// <summary>A query: with the model's query prompt where a local model has one.</summary>
    public float[] EmbedQuery(string query) => _local is not null ? _local.EmbedQuery(query) : Generate([query], null, default)[0];

    public float[][] EmbedDocuments(IReadOnlyList<string> documents) => _local is not null ? _local.EmbedDocuments(documents) : Generate(documents, null, default);

    public VectorMatrix EmbedMatrix(IReadOnlyList<string> texts, IProgress<int>? progress, CancellationToken cancellationToken) =>
        _local is not null ? _local.EmbedMatrix(texts, null, progress, cancellationToken) : VectorMatrix.FromRows(Generate(texts, progress, cancellationToken));

    public void Dispose()
    {
        _local?.Dispose();
        _generator?.Dispose();
    }

    private float[][] Generate(IReadOnlyList<string> texts, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var result = _generator!.GenerateAsync(texts, cancellationToken: cancellationToken).GetAwaiter().GetResult();
        progress?.Report(texts.Count);
        return [.. result.Select(e => e.Vector.ToArray())];
    }
}
