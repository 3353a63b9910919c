namespace Qianru.Collections;

/// <summary>The messages every store gives for the same situation.</summary>
internal static class CollectionErrors
{
    public static QianruException Conflict(string id, string location) =>
        new($"item '{id}' is already in {location} with other text or metadata; --on-conflict error refuses it (replace updates it, skip keeps the stored one)");
}
