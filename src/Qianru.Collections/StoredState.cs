namespace Qianru.Collections;

/// <summary>How an item's id stands in a store.</summary>
internal enum StoredState
{
    /// <summary>No item has the id.</summary>
    Absent,

    /// <summary>The id is stored with the same text and metadata.</summary>
    Same,

    /// <summary>The id is stored with another text or metadata.</summary>
    Different,
}
