using System.Globalization;
using System.Numerics.Tensors;
using Microsoft.Playwright;

namespace Qianru.Server.Tests;

/// <summary>The playground page in headless Chromium (Debian package <c>chromium</c>): rank documents and cluster texts.</summary>
[Collection(ServerCollection.Name)]
public sealed class PlaygroundTests(ServerFixture fixture)
{
    private const string ChromiumPath = "/usr/bin/chromium";

    [Fact]
    public async Task PageRanksDocumentsAndClustersTexts()
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: install the Debian package 'chromium' (apt-get install -y chromium); this test does not skip.");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
            Timeout = 30_000,
        });
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout(20_000);
        var response = await page.GotoAsync(fixture.Server.BaseAddress.ToString());
        Assert.Equal(200, response!.Status);
        await page.WaitForSelectorAsync("#model option[value='minilm']", new() { State = WaitForSelectorState.Attached });

        // Rank: the page's order and scores are the local engine's cosines.
        const string query = "How do I bake bread at home?";
        string[] documents = ["The stock market fell sharply today", "A beginner's guide to baking bread", "Sourdough loaves need a starter", "我喜欢猫"];
        await page.FillAsync("#query", query);
        await page.FillAsync("#documents", string.Join('\n', documents));
        await page.ClickAsync("#rank");
        await page.WaitForSelectorAsync("#results li");
        var shown = await page.Locator("#results li .text").AllInnerTextsAsync();
        var scores = await page.Locator("#results li").EvaluateAllAsync<string[]>("items => items.map(li => li.dataset.score)");
        var q = ServerFixture.MiniLm.Embed(query);
        var expected = documents.Select(d => (Text: d, Score: TensorPrimitives.CosineSimilarity(q, ServerFixture.MiniLm.Embed(d)))).OrderByDescending(x => x.Score).ToArray();
        Assert.Equal(expected.Select(e => e.Text), shown);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Score, float.Parse(scores[i], CultureInfo.InvariantCulture), 4);
        }

        Assert.Equal("", await page.InnerTextAsync("#error"));

        // Cluster: the page's groups are single-linkage groups of the local vectors at the threshold.
        string[] texts = ["Bake bread with flour and yeast", "Bread baking needs yeast", "Stocks fell on Wall Street", "The stock market dropped", "My cat sleeps all day"];
        await page.FillAsync("#cluster-texts", string.Join('\n', texts));
        await page.FillAsync("#threshold", "0.5");
        await page.ClickAsync("#cluster");
        await page.WaitForSelectorAsync("#clusters li");
        var groups = (await page.Locator("#clusters li").AllInnerTextsAsync()).Select(g => g.Split(" · ").Order(StringComparer.Ordinal).ToArray()).ToArray();
        var vectors = texts.Select(t => ServerFixture.MiniLm.Embed(t)).ToArray();
        var expectedGroups = SingleLinkage(texts, vectors, 0.5f);
        Assert.Equal(expectedGroups.Select(g => string.Join('|', g)).Order(StringComparer.Ordinal), groups.Select(g => string.Join('|', g)).Order(StringComparer.Ordinal));
        Assert.True(groups.Length is > 1 and < 5, $"the fixture should give a few groups, got {groups.Length}");

        // An error from the server (a query over the model's 256 tokens) shows on the page.
        await page.FillAsync("#query", string.Join(' ', Enumerable.Repeat("bread", 300)));
        await page.ClickAsync("#rank");
        await page.WaitForFunctionAsync("document.getElementById('error').textContent.length > 0");
        Assert.Contains("Input 0 of 'input' has 302 tokens", await page.InnerTextAsync("#error"), StringComparison.Ordinal);
    }

    private static string[][] SingleLinkage(string[] texts, float[][] vectors, float threshold)
    {
        var parent = Enumerable.Range(0, texts.Length).ToArray();
        int Find(int i) => parent[i] == i ? i : parent[i] = Find(parent[i]);
        for (var i = 0; i < texts.Length; i++)
        {
            for (var j = i + 1; j < texts.Length; j++)
            {
                if (TensorPrimitives.CosineSimilarity(vectors[i], vectors[j]) >= threshold)
                {
                    parent[Find(i)] = Find(j);
                }
            }
        }

        return [.. Enumerable.Range(0, texts.Length).GroupBy(Find).Select(g => g.Select(i => texts[i]).Order(StringComparer.Ordinal).ToArray())];
    }
}
