using System.Text.Json;
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
            var (code, remote, error) = QianruCli.RunIn(dir.FullName, null, "embed", "--provider", "openai", "--model", "minilm", "hello world", "你好，世界");
            Assert.True(code == 0, error);
            var (localCode, local, _) = QianruCli.RunIn(dir.FullName, null, "embed", "hello world", "你好，世界");
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

            var (badCode, _, badError) = QianruCli.RunIn(dir.FullName, null, "embed", "--provider", "openai", "--model", "no-such-model", "x");
            Assert.NotEqual(0, badCode);
            Assert.Contains("no-such-model", badError, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Similarity_and_cluster_through_the_provider_give_the_local_results()
    {
        using var embedder = SentenceEmbedder.Create("minilm");
        await using var server = await QianruServer.StartAsync([embedder], new QianruServerOptions { Port = 0 });
        var dir = Directory.CreateTempSubdirectory("qianru-provider-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, ".env"), $"OPENAI_BASE_URL={new Uri(server.BaseAddress, "v1")}\nOPENAI_API_KEY=unused\n");
            string[] docs = ["The cat sits on the mat.", "Stock prices rose sharply.", "A kitten rests on a rug."];
            var (code, remote, error) = QianruCli.RunIn(dir.FullName, null, ["similarity", "--provider", "openai", "--model", "minilm", "--format", "jsonl", "a cat on a mat", .. docs]);
            Assert.True(code == 0, error);
            var (localCode, local, _) = QianruCli.RunIn(dir.FullName, null, ["similarity", "--format", "jsonl", "a cat on a mat", .. docs]);
            Assert.Equal(0, localCode);
            var remoteScores = Scores(remote);
            var localScores = Scores(local);
            Assert.Equal(3, localScores.Length);
            Assert.Equal(localScores.Length, remoteScores.Length);
            for (var i = 0; i < localScores.Length; i++)
            {
                Assert.Equal(localScores[i], remoteScores[i], 5);
            }

            string[] texts = ["cats and kittens", "a cat", "stock market", "share prices", "a kitten"];
            var (clusterCode, clusterRemote, clusterError) = QianruCli.RunIn(dir.FullName, null, ["cluster", "--provider", "openai", "--model", "minilm", "--algorithm", "kmeans", "--k", "2", "--random-state", "1", "--format", "jsonl", .. texts]);
            Assert.True(clusterCode == 0, clusterError);
            var (_, clusterLocal, _) = QianruCli.RunIn(dir.FullName, null, ["cluster", "--algorithm", "kmeans", "--k", "2", "--random-state", "1", "--format", "jsonl", .. texts]);
            Assert.Equal(5, clusterLocal.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            Assert.Equal(clusterLocal, clusterRemote);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static double[] Scores(string jsonl) =>
        [.. jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.GetProperty("cosine").GetDouble())];

    private static float[][] Vectors(string jsonl) =>
        [.. jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
            JsonDocument.Parse(line).RootElement.EnumerateObject().First(p => p.Value.ValueKind == JsonValueKind.Array).Value.EnumerateArray().Select(e => e.GetSingle()).ToArray())];
}
