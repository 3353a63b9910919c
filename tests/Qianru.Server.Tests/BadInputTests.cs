using System.Text.Json;

namespace Qianru.Server.Tests;

/// <summary>Every kind of bad input gets a 4xx in OpenAI's error shape that names the field, and the server keeps serving.</summary>
[Collection(ServerCollection.Name)]
public sealed class BadInputTests(ServerFixture fixture)
{
    private static readonly string LongText = string.Join(' ', Enumerable.Range(0, 600).Select(i => $"word{i % 50}"));

    public static TheoryData<string, string, int, string?> Cases => new()
    {
        { "/v1/embeddings", """{"model":"minilm","input":""}""", 400, "input" },
        { "/v1/embeddings", """{"model":"minilm","input":[]}""", 400, "input" },
        { "/v1/embeddings", """{"model":"minilm"}""", 400, "input" },
        { "/v1/embeddings", """{"model":"minilm","input":null}""", 400, "input" },
        { "/v1/embeddings", """{"model":"minilm","input":["a",""]}""", 400, "input" },
        { "/v1/embeddings", """{"model":"minilm","input":["a",1]}""", 400, "input" },
        { "/v1/embeddings", """{"model":"minilm","input":[[1,2],"a"]}""", 400, "input" },
        { "/v1/embeddings", """{"model":"minilm","input":[[]]}""", 400, "input" },
        { "/v1/embeddings", """{"model":"minilm","input":[-1]}""", 400, "input" },
        { "/v1/embeddings", """{"model":"minilm","input":[1.5]}""", 400, "input" },
        { "/v1/embeddings", """{"model":"minilm","input":[30522]}""", 400, "input" },
        { "/v1/embeddings", """{"model":"minilm","input":{"text":"a"}}""", 400, "input" },
        { "/v1/embeddings", """{"model":"minilm","input":true}""", 400, "input" },
        { "/v1/embeddings", """{"model":"minilm","input":"a","dimensions":0}""", 400, "dimensions" },
        { "/v1/embeddings", """{"model":"minilm","input":"a","dimensions":385}""", 400, "dimensions" },
        { "/v1/embeddings", """{"model":"minilm","input":"a","dimensions":"64"}""", 400, "dimensions" },
        { "/v1/embeddings", """{"model":"minilm","input":"a","dimensions":1.5}""", 400, "dimensions" },
        { "/v1/embeddings", """{"model":"minilm","input":"a","encoding_format":"int8"}""", 400, "encoding_format" },
        { "/v1/embeddings", """{"model":"minilm","input":"a","encoding_format":1}""", 400, "encoding_format" },
        { "/v1/embeddings", """{"model":"text-embedding-ada-002","input":"a"}""", 404, "model" },
        { "/v1/embeddings", """{"model":5,"input":"a"}""", 400, "model" },
        { "/v1/embeddings", """{"model":"minilm","input":"a","user":5}""", 400, "user" },
        { "/v1/embeddings", "{\"model\":\"minilm\",\"input\":[" + string.Join(',', Enumerable.Repeat("\"a\"", 65)) + "]}", 413, "input" },
        { "/v1/embeddings", "{\"model\":\"minilm\",\"input\":[\"short\",\"" + LongText + "\"]}", 413, "input" },
        { "/v1/embeddings", "{\"model\":\"minilm\",\"input\":[" + string.Join(',', Enumerable.Repeat("7", 600)) + "]}", 413, "input" },
        { "/v1/embeddings", """{"model":"minilm","input": """, 400, null },
        { "/v1/embeddings", """["a","b"]""", 400, null },
        { "/v1/embeddings", "", 400, null },
        { "/embed", """{"inputs":""}""", 400, "inputs" },
        { "/embed", """{"inputs":[]}""", 400, "inputs" },
        { "/embed", """{"input":"a"}""", 400, "inputs" },
        { "/embed", """{"inputs":"a","normalize":"yes"}""", 400, "normalize" },
        { "/embed", """{"inputs":"a","truncate":1}""", 400, "truncate" },
        { "/embed", """{"inputs":"a","truncation_direction":"Up"}""", 400, "truncation_direction" },
        { "/embed", """{"inputs":"a","prompt_name":"query"}""", 400, "prompt_name" },
        { "/embed", """{"inputs":"a","dimensions":1000}""", 400, "dimensions" },
        { "/embed", "{\"inputs\":\"" + LongText + "\",\"truncate\":false}", 413, "inputs" },
        { "/similarity", """{"inputs":"a"}""", 400, "inputs" },
        { "/similarity", """{"inputs":{"source_sentence":"a"}}""", 400, "sentences" },
        { "/similarity", """{"inputs":{"sentences":["a"]}}""", 400, "inputs.source_sentence" },
        { "/similarity", """{"inputs":{"source_sentence":"a","sentences":[]}}""", 400, "inputs.sentences" },
        { "/similarity", """{"inputs":{"source_sentence":"a","sentences":[1]}}""", 400, "inputs.sentences" },
        { "/tokenize", """{"inputs":5}""", 400, "inputs" },
        { "/tokenize", """{"inputs":[1,2]}""", 400, "inputs" },
        { "/nowhere", """{}""", 404, null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadInputIsA4xxNamingTheField(string path, string body, int status, string? param)
    {
        var (actual, json) = await fixture.PostAsync(path, body);
        Assert.Equal(status, actual);
        var error = json.GetProperty("error");
        var message = error.GetProperty("message").GetString()!;
        Assert.False(string.IsNullOrWhiteSpace(message));
        Assert.Equal(JsonValueKind.String, error.GetProperty("type").ValueKind);
        if (param is not null)
        {
            Assert.Equal(param, error.GetProperty("param").GetString());
            Assert.Contains(param.Split('.')[^1], message, StringComparison.Ordinal);
        }

        AssertNoInternals(json.GetRawText());
        await AssertStillServing();
    }

    [Fact]
    public async Task TooLongInputNamesItsIndex()
    {
        var (status, json) = await fixture.PostAsync("/v1/embeddings", "{\"model\":\"minilm\",\"input\":[\"short\",\"" + LongText + "\"]}");
        Assert.Equal(413, status);
        Assert.Contains("Input 1 ", json.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("context_length_exceeded", json.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task BodyOverTheLimitIs413()
    {
        // A small limit, so that the client has sent the whole body before the server answers and closes.
        await using var server = await QianruServer.StartAsync([ServerFixture.MiniLm], new QianruServerOptions { Port = 0, MaxRequestBodyBytes = 4096 });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var huge = "{\"input\":\"" + new string('a', 8000) + "\"}";
        using (var response = await http.PostAsync("/v1/embeddings", ServerFixture.Json(huge)))
        {
            Assert.Equal(413, (int)response.StatusCode);
            var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("request_too_large", json.GetProperty("error").GetProperty("code").GetString());
        }

        using var ok = await http.PostAsync("/v1/embeddings", ServerFixture.Json("""{"input":"fits"}"""));
        Assert.Equal(200, (int)ok.StatusCode);
    }

    [Fact]
    public async Task UnknownModelIs404InOpenAIShape()
    {
        var (status, json) = await fixture.PostAsync("/v1/embeddings", """{"model":"nope","input":"a"}""");
        Assert.Equal(404, status);
        Assert.Equal("model_not_found", json.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", json.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("minilm", json.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private static void AssertNoInternals(string body)
    {
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
        Assert.DoesNotContain(".cs:", body, StringComparison.Ordinal);
        Assert.DoesNotContain("/work/", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
    }

    private async Task AssertStillServing()
    {
        var (status, json) = await fixture.PostAsync("/v1/embeddings", """{"model":"minilm","input":"still here"}""");
        Assert.Equal(200, status);
        Assert.Equal(384, json.GetProperty("data")[0].GetProperty("embedding").GetArrayLength());
    }
}
