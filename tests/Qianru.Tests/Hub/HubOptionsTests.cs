using Qianru.Models.Hub;

namespace Qianru.Tests.Hub;

/// <summary>The Hugging Face settings come from the environment exactly as huggingface_hub's constants.py reads them.</summary>
public sealed class HubOptionsTests
{
    private static readonly string Home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    private static HubOptions From(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value);
        return HubOptions.FromEnvironment(name => map.GetValueOrDefault(name));
    }

    [Fact]
    public void The_cache_folder_follows_huggingface_hub_precedence()
    {
        Assert.Equal(Path.Combine(Home, ".cache", "huggingface", "hub"), From().CacheFolder);
        Assert.Equal("/x/huggingface/hub", From(("XDG_CACHE_HOME", "/x")).CacheFolder);
        Assert.Equal("/h/hub", From(("XDG_CACHE_HOME", "/x"), ("HF_HOME", "/h")).CacheFolder);
        Assert.Equal("/legacy", From(("HF_HOME", "/h"), ("HUGGINGFACE_HUB_CACHE", "/legacy")).CacheFolder);
        Assert.Equal("/c", From(("HF_HOME", "/h"), ("HUGGINGFACE_HUB_CACHE", "/legacy"), ("HF_HUB_CACHE", "/c")).CacheFolder);
        Assert.Equal(Path.Combine(Home, "hf", "hub"), From(("HF_HOME", "~/hf")).CacheFolder);
        Assert.Equal(Path.Combine(Home, ".cache", "huggingface", "hub"), From(("HF_HOME", "")).CacheFolder);
    }

    [Fact]
    public void Endpoint_token_and_offline()
    {
        var defaults = From();
        Assert.Equal(new Uri("https://huggingface.co"), defaults.Endpoint);
        Assert.False(defaults.Offline);
        Assert.Equal(new Uri("https://hf-mirror.com"), From(("HF_ENDPOINT", "https://hf-mirror.com/")).Endpoint);
        var bad = Assert.Throws<QianruException>(() => From(("HF_ENDPOINT", "hf-mirror.com")));
        Assert.Contains("HF_ENDPOINT", bad.Message);

        foreach (var yes in new[] { "1", "ON", "yes", "True" })
        {
            Assert.True(From(("HF_HUB_OFFLINE", yes)).Offline);
        }

        Assert.True(From(("TRANSFORMERS_OFFLINE", "1")).Offline);
        Assert.False(From(("HF_HUB_OFFLINE", "0")).Offline);

        Assert.Equal("hf_a", From(("HF_TOKEN", "hf_a"), ("HUGGING_FACE_HUB_TOKEN", "hf_b")).Token);
        Assert.Equal("hf_b", From(("HUGGING_FACE_HUB_TOKEN", "hf_b")).Token);
        var home = Path.Combine(Path.GetTempPath(), "qianru-tests", "hf-home-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(home);
        File.WriteAllText(Path.Combine(home, "token"), "hf_from_login\n");
        Assert.Equal("hf_from_login", From(("HF_HOME", home)).Token);
        Assert.Equal("hf_env", From(("HF_HOME", home), ("HF_TOKEN", "hf_env")).Token);
        Assert.Null(From(("HF_HOME", Path.Combine(home, "none"))).Token);
        Directory.Delete(home, recursive: true);
    }
}
