using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Zuna.Engine.Hub;

/// <summary>
/// Fetches one blob into <c>blobs/{etag}.incomplete</c>, resuming with a Range request from whatever an earlier,
/// interrupted run left there, then checks size and (for LFS files, whose etag is the content's sha256) the checksum
/// before an atomic rename to <c>blobs/{etag}</c>. A blob that fails a check is deleted, never left in place.
/// </summary>
internal static partial class BlobDownloader
{
    /// <summary>Consecutive failed attempts without a single new byte before giving up (huggingface_hub uses 5).</summary>
    internal const int MaxStalledAttempts = 5;

    private static readonly TimeSpan ReadIdleTimeout = TimeSpan.FromSeconds(60);
    private const int BufferSize = 1 << 20;
    private const long ProgressStep = 4L << 20;

    public static async Task DownloadAsync(
        HubClient client, RemoteFile remote, string incompletePath, string blobPath,
        IProgress<DownloadProgress>? progress, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(blobPath)!);
        EnsureDiskSpace(remote, incompletePath);
        int stalled = 0;
        while (true)
        {
            long before = CurrentLength(incompletePath);
            try
            {
                await FetchRemainderAsync(client, remote, incompletePath, progress, ct);
                break;
            }
            catch (TransientDownloadException e)
            {
                // Any new byte on disk means the link works: reset the budget, as huggingface_hub does.
                stalled = CurrentLength(incompletePath) > before ? 0 : stalled + 1;
                if (stalled >= MaxStalledAttempts)
                    throw new ModelLoadException(
                        $"Downloading '{remote.File}' failed {MaxStalledAttempts} times in a row ({e.InnerException?.Message}). " +
                        $"The partial file {incompletePath} is kept; run again to resume.", e.InnerException);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * Math.Max(stalled, 1)), ct);
            }
        }

        Verify(remote, incompletePath);
        File.Move(incompletePath, blobPath, overwrite: true);
    }

    private static async Task FetchRemainderAsync(
        HubClient client, RemoteFile remote, string incompletePath, IProgress<DownloadProgress>? progress, CancellationToken ct)
    {
        long have = CurrentLength(incompletePath);
        if (have > remote.Size)
        {
            File.Delete(incompletePath); // longer than the file can be: not a prefix of it
            have = 0;
        }
        if (have == remote.Size) return;

        using var response = await client.GetContentAsync(remote, have, ct);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            File.Delete(incompletePath); // the server does not see our prefix as part of the file: start over
            throw new TransientDownloadException(new IOException("the server refused to resume (HTTP 416)"));
        }
        if (have > 0 && response.StatusCode == HttpStatusCode.PartialContent)
        {
            long? start = response.Content.Headers.ContentRange?.From;
            if (start != have)
                throw new ModelLoadException(
                    $"Resuming '{remote.File}' at byte {have} got content from byte {start?.ToString() ?? "?"}; delete {incompletePath} and retry.");
        }
        else if (have > 0)
        {
            have = 0; // the server ignored the Range header and sends everything: overwrite the prefix
        }

        await using var file = new FileStream(incompletePath, have > 0 ? FileMode.Append : FileMode.Create,
            FileAccess.Write, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous);
        progress?.Report(new DownloadProgress(remote.File, have, remote.Size));
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
            long lastReported = have;
            while (true)
            {
                idle.CancelAfter(ReadIdleTimeout); // a stalled connection must not hang the service forever
                int read;
                try
                {
                    read = await body.ReadAsync(buffer, idle.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    throw new TransientDownloadException(new TimeoutException($"no data for {ReadIdleTimeout.TotalSeconds:0} s"));
                }
                catch (Exception e) when (e is IOException or HttpRequestException)
                {
                    throw new TransientDownloadException(e);
                }
                if (read == 0) break;
                await file.WriteAsync(buffer.AsMemory(0, read), ct);
                have += read;
                if (have - lastReported >= ProgressStep)
                {
                    progress?.Report(new DownloadProgress(remote.File, have, remote.Size));
                    lastReported = have;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        progress?.Report(new DownloadProgress(remote.File, have, remote.Size));
        if (have < remote.Size)
            throw new TransientDownloadException(new IOException($"the connection closed after {have} of {remote.Size} bytes"));
    }

    private static void Verify(RemoteFile remote, string incompletePath)
    {
        long length = CurrentLength(incompletePath);
        if (length != remote.Size)
        {
            File.Delete(incompletePath);
            throw new ModelLoadException(
                $"Downloaded '{remote.File}' has {length} bytes but the hub announced {remote.Size}; the partial file was deleted, run again.");
        }
        if (!Sha256Etag().IsMatch(remote.Etag)) return; // git-stored small files carry a git sha1 etag: size check only

        string actual;
        using (var stream = new FileStream(incompletePath, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize))
            actual = Convert.ToHexStringLower(SHA256.HashData(stream));
        if (actual != remote.Etag)
        {
            File.Delete(incompletePath);
            throw new ModelLoadException(
                $"Checksum mismatch for '{remote.File}': the hub announced sha256 {remote.Etag} but the content hashes to " +
                $"{actual}. The corrupt download was deleted; run again (a proxy may be altering the file).");
        }
    }

    private static void EnsureDiskSpace(RemoteFile remote, string incompletePath)
    {
        long needed = remote.Size - CurrentLength(incompletePath);
        long free;
        try
        {
            free = new DriveInfo(Path.GetDirectoryName(incompletePath)!).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return; // unknown free space: let the write itself fail if it must
        }
        if (free < needed)
            throw new ModelLoadException(
                $"Not enough disk space for '{remote.File}': {needed / 1e6:0.0} MB needed, {free / 1e6:0.0} MB free in " +
                $"{Path.GetDirectoryName(incompletePath)}. Free space or point HF_HUB_CACHE elsewhere.");
    }

    private static long CurrentLength(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? info.Length : 0;
    }

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Etag();

    /// <summary>A dropped or stalled connection: worth resuming.</summary>
    private sealed class TransientDownloadException(Exception inner) : Exception(inner.Message, inner);
}
