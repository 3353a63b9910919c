namespace Qianru.Server.Batching;

/// <summary>The token sequences of one request waiting in a <see cref="BatchQueue"/>, how to finish its vectors, and where they go.</summary>
internal sealed class WorkItem
{
    public WorkItem(IReadOnlyList<long[]> sequences, int skipFirst, int? dimensions, bool normalize, CancellationToken aborted)
    {
        Sequences = sequences;
        SkipFirst = skipFirst;
        Dimensions = dimensions;
        Normalize = normalize;
        Aborted = aborted;
    }

    /// <summary><c>[CLS] … [SEP]</c> id sequences, already validated and truncated: the queue runs them as they are.</summary>
    public IReadOnlyList<long[]> Sequences { get; }

    /// <summary>Leading tokens pooling leaves out (a prompt the model excludes); sequences share a model call only with equal values.</summary>
    public int SkipFirst { get; }

    /// <summary>Keep the first this many values (null = all).</summary>
    public int? Dimensions { get; }

    /// <summary>L2-normalize the vectors.</summary>
    public bool Normalize { get; }

    /// <summary>Fires when the client goes away: the queue then drops what it has not run yet.</summary>
    public CancellationToken Aborted { get; }

    /// <summary>The finished vectors, one per sequence; cancelled when the request was dropped.</summary>
    public TaskCompletionSource<float[][]> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
