using System.Net;
using System.Text.Json;

namespace Qianru.Server.Tests;

/// <summary>Several <c>--model</c>s: each request is answered by the model it names; the first is the default.</summary>
public sealed class MultiModelTests
{
    [Fact]
    public async Task EachModelAnswersItsOwnRequests()
    {
        using var arctic = SentenceEmbedder.Create("arctic-xs");
        await using var server = await QianruServer.StartAsync([ServerFixture.MiniLm, arctic], new QianruServerOptions { Port = 0 });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var models = JsonDocument.Parse(await http.GetStringAsync("/v1/models")).RootElement.GetProperty("data");
        Assert.Equal(["minilm", "arctic-xs"], models.EnumerateArray().Select(m => m.GetProperty("id").GetString()));

        const string text = "Which model answered?";
        var answers = await Task.WhenAll(new[] { "minilm", "arctic-xs", null }.Select(async model =>
        {
            using var response = await http.PostAsync("/v1/embeddings", ServerFixture.Json(JsonSerializer.Serialize(new { model, input = new[] { text } })));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            return (Model: json.GetProperty("model").GetString(), Vector: ServerFixture.Floats(json.GetProperty("data")[0].GetProperty("embedding")));
        }));

        Assert.Equal("minilm", answers[0].Model);
        Vectors.Close(ServerFixture.MiniLm.Embed(text), answers[0].Vector);
        Assert.Equal("arctic-xs", answers[1].Model);
        Vectors.Close(arctic.Embed(text), answers[1].Vector);
        Assert.Equal("minilm", answers[2].Model);
        Vectors.Close(answers[0].Vector, answers[2].Vector);

        // /embed with a model field, and a wrong method in OpenAI's error shape.
        using var embed = await http.PostAsync("/embed", ServerFixture.Json(JsonSerializer.Serialize(new { model = "arctic-xs", inputs = text })));
        var embedded = ServerFixture.Floats(JsonDocument.Parse(await embed.Content.ReadAsStringAsync()).RootElement[0]);
        Vectors.Close(arctic.Embed(text), embedded);
        using var get = await http.GetAsync("/v1/embeddings");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Equal("method_not_allowed", JsonDocument.Parse(await get.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetString());
    }
}
