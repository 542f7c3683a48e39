namespace Zuna.Api.Jobs.Store;

/// <summary>
/// The uploads this process stored most recently (those that fit one chunk), kept in memory so that when this replica's
/// worker claims its own submission (the usual case) it does not read back from the database what it has just written.
/// A stored upload never changes, so a kept copy cannot go stale; one that another replica claims, or that is cancelled,
/// simply ages out. Bounded by bytes, oldest out first; a miss only means a read from the store.
/// </summary>
internal sealed class RecentUploads(long capacityBytes)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, LinkedListNode<(Guid Id, byte[] Upload)>> _uploads = [];
    private readonly LinkedList<(Guid Id, byte[] Upload)> _oldestFirst = new();
    private long _bytes;

    public void Add(Guid id, byte[] upload)
    {
        if (upload.Length > capacityBytes) return;
        lock (_gate)
        {
            if (_uploads.ContainsKey(id)) return;
            _uploads[id] = _oldestFirst.AddLast((id, upload));
            _bytes += upload.Length;
            while (_bytes > capacityBytes && _oldestFirst.First is { } oldest) Remove(oldest);
        }
    }

    /// <summary>The upload, removed from memory (a worker reads it once); null when not kept.</summary>
    public byte[]? Take(Guid id)
    {
        lock (_gate)
        {
            if (!_uploads.TryGetValue(id, out var node)) return null;
            Remove(node);
            return node.Value.Upload;
        }
    }

    private void Remove(LinkedListNode<(Guid Id, byte[] Upload)> node)
    {
        _oldestFirst.Remove(node);
        _uploads.Remove(node.Value.Id);
        _bytes -= node.Value.Upload.Length;
    }
}
