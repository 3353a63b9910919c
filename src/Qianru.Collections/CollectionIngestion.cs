using System.Numerics.Tensors;
using Microsoft.Extensions.AI;
using Qianru.Similarity;

namespace Qianru.Collections;

/// <summary>
/// Adding items to a collection: ids and metadata checked, repeats within the input resolved, ids already stored with
/// the same content skipped before anything is embedded, the rest embedded and written in batches of the batch size
/// (one transaction each), each conflict resolved by the store inside its transaction.
/// </summary>
internal sealed class CollectionIngestion
{
    private readonly ICollectionStore _store;
    private readonly ConflictPolicy _policy;
    private readonly int _batchSize;

    public CollectionIngestion(ICollectionStore store, CollectionAddOptions options)
    {
        _store = store;
        _policy = options.OnConflict;
        _batchSize = options.BatchSize;
    }

    /// <summary>Items with their ids, validated metadata and input positions; repeats of an id resolved per the policy.</summary>
    public (List<Prepared> Items, int Skipped) Prepare(IReadOnlyList<CollectionItem> items)
    {
        var result = new List<Prepared>();
        var byId = new Dictionary<string, int>(StringComparer.Ordinal);
        var skipped = 0;
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i] ?? throw new ArgumentException($"item {i} is null", nameof(items));
            if (item.Text is null)
            {
                throw new ArgumentException($"item {i} has no text", nameof(items));
            }

            var id = item.Id ?? VectorCollection.IdForText(item.Text);
            var metadata = item.Metadata is null ? null : CollectionMetadata.Validate(item.Metadata, i, id);
            var prepared = new Prepared(item, i, id, item.Text, metadata);
            if (!byId.TryGetValue(id, out var earlier))
            {
                byId[id] = result.Count;
                result.Add(prepared);
                continue;
            }

            skipped++;
            var first = result[earlier];
            if (first.Text == prepared.Text && CollectionMetadata.SameJson(first.Metadata, prepared.Metadata))
            {
                continue;
            }

            switch (_policy)
            {
                case ConflictPolicy.Replace:
                    result[earlier] = prepared; // the later item wins, as if added after the earlier one
                    break;
                case ConflictPolicy.Error:
                    throw new QianruException($"item {i} (id '{id}') repeats the id of item {first.Index} with other text or metadata; --on-conflict error refuses it");
            }
        }

        return (result, skipped);
    }

    /// <summary>Embeds and writes <paramref name="items"/>; see the class remarks.</summary>
    public async Task<CollectionAddResult> AddAsync(
        IReadOnlyList<Prepared> items,
        int skippedBefore,
        Func<IReadOnlyList<Prepared>, CancellationToken, Task<float[][]>> embed,
        IProgress<int>? progress,
        CancellationToken cancellationToken)
    {
        int added = 0, replaced = 0, skipped = skippedBefore;
        var done = skippedBefore;
        progress?.Report(done);
        var pending = new List<Prepared>();
        var window = Math.Max(4 * _batchSize, 256);
        for (var start = 0; start < items.Count; start += window)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var slice = items.Skip(start).Take(window).ToList();
            var states = _store.Classify([.. slice.Select(p => new StoredItem(p.Id, p.Text, p.Metadata, []))]);
            for (var i = 0; i < slice.Count; i++)
            {
                switch (states[i])
                {
                    case StoredState.Same:
                    case StoredState.Different when _policy == ConflictPolicy.Skip:
                        skipped++;
                        done++;
                        break;
                    case StoredState.Different when _policy == ConflictPolicy.Error:
                        throw CollectionErrors.Conflict(slice[i].Id, _store.Location);
                    default:
                        pending.Add(slice[i]);
                        break;
                }
            }

            progress?.Report(done);
            while (pending.Count >= _batchSize || (pending.Count > 0 && start + window >= items.Count))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var batch = pending.GetRange(0, Math.Min(_batchSize, pending.Count));
                pending.RemoveRange(0, batch.Count);
                var vectors = await embed(batch, cancellationToken).ConfigureAwait(false);
                var result = Write(batch, vectors);
                added += result.Added;
                replaced += result.Replaced;
                skipped += result.Skipped;
                done += batch.Count;
                progress?.Report(done);
            }
        }

        return new CollectionAddResult(added, skipped, replaced);
    }

    /// <summary>Checks and normalizes vectors, then writes them in one transaction.</summary>
    public CollectionAddResult Write(IReadOnlyList<Prepared> batch, IReadOnlyList<float[]> vectors)
    {
        var info = _store.Info;
        var stored = new StoredItem[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var v = vectors[i];
            if (v.Length != info.Dimensions)
            {
                throw new QianruException($"item '{batch[i].Id}': the vector has {v.Length} dimensions but collection {_store.Location} holds {info.Dimensions}-dimensional vectors of model '{info.ModelId}'");
            }

            if (!float.IsFinite(TensorPrimitives.Sum(v)))
            {
                throw new QianruException($"item '{batch[i].Id}': the vector has NaN or infinite values");
            }

            if (info.Normalized)
            {
                v = (float[])v.Clone();
                VectorSimilarity.Normalize(v);
            }

            stored[i] = new StoredItem(batch[i].Id, batch[i].Text, batch[i].Metadata, v);
        }

        return stored.Length == 0 ? new CollectionAddResult(0, 0) : _store.Write(stored, _policy);
    }

    /// <summary>An input item with its id, its validated metadata and its position in the input.</summary>
    internal sealed record Prepared(CollectionItem Source, int Index, string Id, string Text, string? Metadata);
}
