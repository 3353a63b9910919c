using Qianru.Models.Hub;

namespace Qianru.Models;

/// <summary>How <see cref="ModelSpec.Resolve"/> finds a model's files.</summary>
public sealed class ModelResolveOptions
{
    /// <summary>The Hugging Face cache, endpoint, token and offline switch; null reads them from the environment (<see cref="HubOptions.FromEnvironment()"/>).</summary>
    public HubOptions? Hub { get; init; }

    /// <summary>Told how a download from the Hub goes, when a Hub model is not cached yet; null for silence.</summary>
    public IProgress<HubDownloadProgress>? Progress { get; init; }
}
