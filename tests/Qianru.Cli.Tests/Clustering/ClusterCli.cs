using Qianru.Cli.Tests.Support;

namespace Qianru.Cli.Tests.Clustering;

/// <summary>Runs <c>qianru</c> in-process with captured output.</summary>
internal static class ClusterCli
{
    public static readonly string[] SeedTexts =
    [
        "这个接口返回的参数不对", "帮我添加一个下载按钮", "我需要在window上也能用", "接口报500错误", "接口反应超时了",
        "服务挂了", "我需要新增一个新的配置", "这个可以取消不用做了", "我们做一个适配的接口吧", "系统上报一个监控到的错误日志",
    ];

    public static (int Exit, string Out, string Error) Run(params string[] args)
    {
        var result = QianruCli.RunIn(AppContext.BaseDirectory, null, args);
        return (result.ExitCode, result.Out, result.Error);
    }
}
