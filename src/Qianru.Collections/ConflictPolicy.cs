namespace Qianru.Collections;

/// <summary>
/// What adding an item does when its id is already in the collection with another text or metadata. An item whose id
/// is stored with the same text and metadata is always skipped without being embedded again (re-running an add is
/// safe and cheap whatever the policy).
/// </summary>
public enum ConflictPolicy
{
    /// <summary>The default: the new text, metadata and vector replace the stored ones (an upsert).</summary>
    Replace,

    /// <summary>The stored item is kept; the new one is skipped.</summary>
    Skip,

    /// <summary>The add stops with a <see cref="QianruException"/> naming the id; batches committed before it stay.</summary>
    Error,
}
