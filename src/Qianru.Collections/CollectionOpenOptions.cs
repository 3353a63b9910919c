namespace Qianru.Collections;

/// <summary>How <see cref="VectorCollection.Open(string, CollectionOpenOptions?)"/> opens a collection.</summary>
public sealed class CollectionOpenOptions
{
    /// <summary>
    /// Open for reading only: nothing is written (no WAL or journal, no schema upgrade), so a read-only file, or a file
    /// in a read-only folder, can be searched; every write is refused with a <see cref="QianruException"/> naming it.
    /// Default false: open for reading and writing, falling back to read-only when the file or folder cannot be written.
    /// </summary>
    public bool ReadOnly { get; init; }
}
