using Microsoft.Extensions.AI;
using Qianru.Providers;

namespace Qianru.Server.Tests;

/// <summary>The remote OpenAI-compatible provider against <c>qianru serve</c> on loopback gives the local vectors.</summary>
[Collection(ServerCollection.Name)]
public sealed class RemoteProviderTests(ServerFixture fixture)
{
    private static readonly string[] Texts = ["first text", "第二个文本", "a third, somewhat longer text about embeddings", "four", "five five five"];

    [Fact]
    public async Task RemoteVectorsEqualLocalVectorsAcrossChunks()
    {
        using var remote = OpenAIEmbeddings.Create(new OpenAIProviderOptions { BaseUrl = new Uri(fixture.Server.BaseAddress, "v1"), Model = "minilm", BatchSize = 2 });
        var result = await remote.GenerateAsync(Texts);
        var local = ServerFixture.MiniLm.EmbedBatch(Texts);
        Assert.Equal(Texts.Length, result.Count);
        for (var i = 0; i < Texts.Length; i++)
        {
            Vectors.Close(local[i], result[i].Vector.Span);
        }

        Assert.Equal(Texts.Sum(t => ServerFixture.MiniLm.Tokenize(t).Length), result.Usage!.InputTokenCount);
    }

    [Fact]
    public async Task RemoteAndLocalGeneratorsAgreeWithDimensions()
    {
        using var remote = OpenAIEmbeddings.Create(new OpenAIProviderOptions { BaseUrl = new Uri(fixture.Server.BaseAddress, "v1"), Model = "minilm", Dimensions = 128 });
        IEmbeddingGenerator<string, Embedding<float>> local = ServerFixture.MiniLm;
        var a = await remote.GenerateAsync(Texts[..2]);
        var b = await local.GenerateAsync(Texts[..2], new EmbeddingGenerationOptions { Dimensions = 128 });
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(128, a[i].Vector.Length);
            Vectors.Close(b[i].Vector.Span, a[i].Vector.Span);
        }
    }

    [Fact]
    public async Task UnknownRemoteModelFailsWithTheServersMessage()
    {
        using var remote = OpenAIEmbeddings.Create(new OpenAIProviderOptions { BaseUrl = new Uri(fixture.Server.BaseAddress, "v1"), Model = "text-embedding-ada-002" });
        var error = await Assert.ThrowsAnyAsync<Exception>(() => remote.GenerateAsync(["x"]));
        Assert.Contains("text-embedding-ada-002", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenAIWithoutAKeyFailsLoudly()
    {
        var error = Assert.Throws<QianruException>(() => OpenAIEmbeddings.Create(new OpenAIProviderOptions { Model = "text-embedding-3-small" }));
        Assert.Contains("OPENAI_API_KEY", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DotEnvReadsKeysQuotesExportAndComments()
    {
        var dir = Directory.CreateTempSubdirectory("qianru-dotenv-");
        try
        {
            var path = Path.Combine(dir.FullName, ".env");
            File.WriteAllText(path, "# comment\nOPENAI_API_KEY=\"sk-test 123\"\nexport OPENAI_BASE_URL=http://127.0.0.1:9/v1 # local\n\nEMPTY=\nSINGLE='a=b'\n");
            var values = DotEnv.Read(path);
            Assert.Equal("sk-test 123", values["OPENAI_API_KEY"]);
            Assert.Equal("http://127.0.0.1:9/v1", values["OPENAI_BASE_URL"]);
            Assert.Equal("", values["EMPTY"]);
            Assert.Equal("a=b", values["SINGLE"]);
            Assert.Empty(DotEnv.Read(Path.Combine(dir.FullName, "missing.env")));

            var options = OpenAIProviderOptions.FromEnvironment("minilm", path);
            Assert.Equal("minilm", options.Model);
            Assert.Equal(Environment.GetEnvironmentVariable("OPENAI_API_KEY") is { Length: > 0 } k ? k : "sk-test 123", options.ApiKey);
            var url = Environment.GetEnvironmentVariable("OPENAI_BASE_URL") is { Length: > 0 } u ? u : "http://127.0.0.1:9/v1";
            Assert.Equal(new Uri(url), options.BaseUrl);

            File.WriteAllText(path, "NOT A PAIR\n");
            var bad = Assert.Throws<InvalidDataException>(() => DotEnv.Read(path));
            Assert.Contains(":1:", bad.Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
