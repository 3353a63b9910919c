// The tutorial's third example (本地部署): a local model with normalize_embeddings=True, as LangChain's
// HuggingFaceBgeEmbeddings runs BAAI/bge-large-zh-v1.5 on CPU. Pass the model's Hugging Face id (taken from the
// Hugging Face cache, downloaded there on first use) or a model folder; without one the embedded English model runs.
// Run: dotnet run --project examples/LocalModel [-- BAAI/bge-large-zh-v1.5]
using Qianru;
using Qianru.Similarity;

var modelName = args.Length > 0 ? args[0] : "minilm";
using var model = SentenceEmbedder.Create(modelName);
var encode = new EmbedOptions { Normalize = true }; // encode_kwargs = {'normalize_embeddings': True}

// HuggingFaceBgeEmbeddings puts this instruction before queries of Chinese BGE models ("-zh" in the name), not before documents.
var isChineseBge = model.Model.Id.Contains("bge", StringComparison.OrdinalIgnoreCase) && model.Model.Id.Contains("-zh", StringComparison.OrdinalIgnoreCase);
var queryOptions = new EmbedOptions { Normalize = true, Prompt = isChineseBge ? "为这个句子生成表示以用于检索相关文章：" : model.Model.QueryPrompt };

var query = "前瞻性";
string[] documents =
[
    "我们需要借助最近流行的起来的GPT帮我们提升工作效率",
    "你按照这个guide page一步一步走就可以了",
    "我们一起来探索下,看看这个新的开源框架能不能帮助到我们",
    "Hugging Face上有很多新的开源模型,我们可以基于我们环境来尝试试验下",
    "Langchain上的开源工具也很多,我们的选择性很大,加油",
];

var queryVec = model.Embed(query, queryOptions);
var docVecs = model.EmbedBatch(documents, encode);

Console.WriteLine($"model: {model.Model.Id} ({model.Model.Dimensions} dimensions, {model.Model.Pooling} pooling)");
Console.WriteLine("Cosine similarity:"); // 越大越相似
Console.WriteLine(VectorSimilarity.Cosine(queryVec, queryVec));
foreach (var vec in docVecs)
{
    Console.WriteLine(VectorSimilarity.Cosine(queryVec, vec));
}
