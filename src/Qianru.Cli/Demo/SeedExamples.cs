namespace Qianru.Cli.Demo;

/// <summary>The inputs of the tutorial's examples (a Chinese tutorial on embeddings), verbatim.</summary>
internal static class SeedExamples
{
    /// <summary>The ten characters of the one-hot example.</summary>
    public const string OneHotText = "小普喜欢星海湾的朋友";

    /// <summary>The query of the similarity example.</summary>
    public const string SimilarityQuery = "业绩增长";

    /// <summary>The five documents of the similarity example.</summary>
    public static readonly string[] SimilarityDocuments =
    [
        "小明,我们公司三季度接了个大单",
        "小明,我们公司今天三季度同比增长60%",
        "小明,我们公司第二季度,有一笔交易被认定的死账",
        "小明,公司CEO信心满满,下一季度再创新高",
        "小明,公司计划要扩招300人",
    ];

    /// <summary>The ten support tickets of the clustering example.</summary>
    public static readonly string[] Tickets =
    [
        "这个接口返回的参数不对",
        "帮我添加一个下载按钮",
        "我需要在window上也能用",
        "接口报500错误",
        "接口反应超时了",
        "服务挂了",
        "我需要新增一个新的配置",
        "这个可以取消不用做了",
        "我们做一个适配的接口吧",
        "系统上报一个监控到的错误日志",
    ];

    /// <summary>The query of the local-model example.</summary>
    public const string LocalQuery = "前瞻性";

    /// <summary>The five documents of the local-model example.</summary>
    public static readonly string[] LocalDocuments =
    [
        "我们需要借助最近流行的起来的GPT帮我们提升工作效率",
        "你按照这个guide page一步一步走就可以了",
        "我们一起来探索下,看看这个新的开源框架能不能帮助到我们",
        "Hugging Face上有很多新的开源模型,我们可以基于我们环境来尝试试验下",
        "Langchain上的开源工具也很多,我们的选择性很大,加油",
    ];

    /// <summary>The query instruction LangChain's HuggingFaceBgeEmbeddings adds to queries of Chinese BGE models.</summary>
    public const string BgeChineseQueryInstruction = "为这个句子生成表示以用于检索相关文章：";

    /// <summary>The query instruction LangChain's HuggingFaceBgeEmbeddings adds to queries of English BGE models.</summary>
    public const string BgeEnglishQueryInstruction = "Represent this question for searching relevant passages: ";
}
