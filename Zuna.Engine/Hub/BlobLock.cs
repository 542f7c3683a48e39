namespace Zuna.Engine.Hub;

/// <summary>
/// The per-blob lock huggingface_hub takes (<c>.locks/models--owner--name/{etag}.lock</c>): an exclusive open,
/// which .NET implements on Unix with <c>flock</c>, the same call Python's <c>filelock</c> uses, so a Python and a
/// .NET process never write the same blob at once. Two resolves in one process exclude each other the same way.
/// </summary>
internal sealed class BlobLock : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private readonly FileStream _handle;

    private BlobLock(FileStream handle) => _handle = handle;

    /// <summary>Waits (cancellably) until no other process or resolve holds the lock.</summary>
    public static async Task<BlobLock> AcquireAsync(string path, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        while (true)
        {
            try
            {
                return new BlobLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (!ct.IsCancellationRequested)
            {
                // Held by another download of the same blob; it may take minutes for 1.5 GB.
                await Task.Delay(PollInterval, ct);
            }
        }
    }

    public ValueTask DisposeAsync() => _handle.DisposeAsync();
}
