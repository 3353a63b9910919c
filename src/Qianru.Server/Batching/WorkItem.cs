namespace Qianru.Server.Batching;

/// <summary>The token sequences of one request waiting in a <see cref="BatchQueue"/>, and where its vectors go.</summary>
internal sealed class WorkItem
{
    public WorkItem(IReadOnlyList<long[]> sequences, string? promptName, bool rawIds)
    {
        Sequences = sequences;
        PromptName = promptName;
        RawIds = rawIds;
        foreach (var s in sequences)
        {
            Tokens += s.Length;
        }
    }

    /// <summary><c>[CLS] … [SEP]</c> id sequences, already validated and truncated.</summary>
    public IReadOnlyList<long[]> Sequences { get; }

    /// <summary>The prompt the sequences were tokenized with (null = the model's default prompt).</summary>
    public string? PromptName { get; }

    /// <summary>True when the client sent token ids: no prompt at all.</summary>
    public bool RawIds { get; }

    public int Tokens { get; }

    /// <summary>Unnormalized full-length vectors, one per sequence.</summary>
    public TaskCompletionSource<float[][]> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Items with the same key can share one engine call.</summary>
    public (string? PromptName, bool RawIds) Key => (RawIds ? null : PromptName, RawIds);
}
