using System.Text.Json;
using Qianru.Cli.Infrastructure;
using Qianru.Server;

namespace Qianru.Cli.Tests.Server;

/// <summary><c>qianru embed --provider openai</c> against <c>qianru serve</c>'s server on loopback, configured by a .env file.</summary>
public sealed class EmbedProviderTests
{
    [Fact]
    public async Task RemoteEmbedGivesTheLocalVectors()
    {
        using var embedder = SentenceEmbedder.Create("minilm");
        await using var server = await QianruServer.StartAsync([embedder], new QianruServerOptions { Port = 0 });
        var dir = Directory.CreateTempSubdirectory("qianru-provider-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, ".env"), $"OPENAI_BASE_URL={new Uri(server.BaseAddress, "v1")}\nOPENAI_API_KEY=unused\n");
            var (code, remote, error) = Run(dir.FullName, "embed", "--provider", "openai", "--model", "minilm", "hello world", "你好，世界");
            Assert.True(code == 0, error);
            var (localCode, local, _) = Run(dir.FullName, "embed", "hello world", "你好，世界");
            Assert.Equal(0, localCode);
            var a = Vectors(remote);
            var b = Vectors(local);
            Assert.Equal(2, a.Length);
            for (var i = 0; i < a.Length; i++)
            {
                Assert.Equal(b[i].Length, a[i].Length);
                for (var j = 0; j < a[i].Length; j++)
                {
                    Assert.True(Math.Abs(a[i][j] - b[i][j]) <= 1e-5, $"text {i}, component {j}: {a[i][j]} vs {b[i][j]}");
                }
            }

            var (badCode, _, badError) = Run(dir.FullName, "embed", "--provider", "openai", "--model", "no-such-model", "x");
            Assert.NotEqual(0, badCode);
            Assert.Contains("no-such-model", badError, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static (int Code, string Out, string Error) Run(string workingDirectory, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var context = new CliContext
        {
            Out = output,
            Error = error,
            OpenIn = () => new StringReader(""),
            OpenStdoutStream = () => new MemoryStream(),
            WorkingDirectory = workingDirectory,
        };
        var code = CliApp.Run(args, context);
        return (code, output.ToString(), error.ToString());
    }

    private static float[][] Vectors(string jsonl) =>
        [.. jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
            JsonDocument.Parse(line).RootElement.EnumerateObject().First(p => p.Value.ValueKind == JsonValueKind.Array).Value.EnumerateArray().Select(e => e.GetSingle()).ToArray())];
}
