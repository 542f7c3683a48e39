namespace Zuna.Engine.Hub;

/// <summary>
/// Finds the ZUNA weights the way huggingface_hub users expect: an explicit folder wins; else a complete snapshot
/// in the Hugging Face cache is used without any request; else the files are downloaded into that cache (resumable,
/// verified) in huggingface_hub's layout, so Python and this service share one cache both ways.
/// </summary>
/// <remarks>
/// Unlike <c>hf_hub_download</c>, a cached snapshot of a branch is used without asking the hub whether the branch
/// moved: starting the service must not depend on the network. Delete <c>refs/main</c> (or pin
/// <see cref="HubOptions.Revision"/> to a commit sha) to pick up a newer upload. Environment variables: see
/// <see cref="HubOptions"/>.
/// </remarks>
public static class ModelResolver
{
    private static readonly Lazy<HttpClient> SharedHttp = new(() => new HttpClient(new SocketsHttpHandler
    {
        AllowAutoRedirect = false, // redirects are followed by HubClient: the metadata sits on the hub's 302
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(15),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan, // a 1.5 GB download takes long; stalls are caught per read instead
    });

    /// <summary>Resolves the model folder (see the class remarks for the order).</summary>
    /// <exception cref="ModelLoadException">Not found, offline without cache, hub errors, network failure, checksum mismatch.</exception>
    /// <exception cref="InvalidOptionException">A malformed repository id, revision or file name.</exception>
    public static Task<ResolvedModel> ResolveAsync(
        HubOptions options, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default) =>
        ResolveAsync(options, SharedHttp.Value, progress, cancellationToken);

    /// <summary>As above with a caller's client; its handler must not follow redirects itself.</summary>
    internal static async Task<ResolvedModel> ResolveAsync(
        HubOptions options, HttpClient http, IProgress<DownloadProgress>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        if (!string.IsNullOrWhiteSpace(options.ModelDirectory)) return FromExplicitDirectory(options.ModelDirectory, options);

        var cache = new HubCache(options.CacheDirectory, options.RepoId);
        if (cache.FindCompleteSnapshot(options.Revision, options.Files) is { } cachedCommit)
            return Snapshot(cache, cachedCommit, options, ModelSource.Cache);

        if (options.Offline)
        {
            string missing = cache.ReadRef(options.Revision) is { } commit
                ? $"snapshot {commit} lacks {string.Join(", ", options.Files.Where(f => !File.Exists(cache.PointerPath(commit, f))))}"
                : $"no snapshot of revision '{options.Revision}'";
            throw new ModelLoadException(
                $"HF_HUB_OFFLINE is set and {options.RepoId} is not in the Hugging Face cache {options.CacheDirectory} " +
                $"({missing}). Download it once online (or with `hf download {options.RepoId}`), or point --model-dir (Zuna__Model__Path) at a model folder.");
        }

        string downloaded = await DownloadAsync(cache, new HubClient(http, options), options, progress, ct);
        return Snapshot(cache, downloaded, options, ModelSource.Download);
    }

    private static async Task<string> DownloadAsync(
        HubCache cache, HubClient client, HubOptions options, IProgress<DownloadProgress>? progress, CancellationToken ct)
    {
        string? commit = null;
        foreach (string file in options.Files)
        {
            // After the first answer every file is asked for at that commit, so a push to the branch halfway
            // through cannot mix two versions in one snapshot.
            RemoteFile remote = await client.GetMetadataAsync(commit ?? options.Revision, file, ct);
            commit ??= remote.Commit;
            string pointer = cache.PointerPath(commit, file);
            if (File.Exists(pointer)) continue;

            cache.TagCacheDirectory();
            string blob = cache.BlobPath(remote.Etag);
            await using var blobLock = await BlobLock.AcquireAsync(cache.LockPath(remote.Etag), ct);
            bool newBlob = !File.Exists(blob); // another process may have finished it while we waited for the lock
            if (newBlob) await BlobDownloader.DownloadAsync(client, remote, cache.IncompletePath(remote.Etag), blob, progress, ct);
            cache.LinkPointer(commit, file, blob, newBlob);
        }
        // The ref is written last: a ref always points at a snapshot that was complete when it was written.
        cache.WriteRef(options.Revision, commit!);
        return commit!;
    }

    private static ResolvedModel Snapshot(HubCache cache, string commit, HubOptions options, ModelSource source)
    {
        string weights = options.WeightsFiles.FirstOrDefault()
            ?? throw new InvalidOptionException("HubOptions.Files names no weights file.");
        return new ResolvedModel(cache.SnapshotFolder(commit), options.RepoId, commit, source,
            cache.PointerPath(commit, HubOptions.ConfigFileName), cache.PointerPath(commit, weights));
    }

    private static ResolvedModel FromExplicitDirectory(string directory, HubOptions options)
    {
        string full = Path.GetFullPath(directory);
        if (!Directory.Exists(full))
            throw new ModelLoadException($"The model folder '{full}' does not exist.");
        string config = Path.Combine(full, HubOptions.ConfigFileName);
        if (!File.Exists(config))
            throw new ModelLoadException($"The model folder '{full}' has no {HubOptions.ConfigFileName}.");

        // The configured shard name first, then the usual single-file name, then a lone *.safetensors file.
        string? weights = options.WeightsFiles.Append("model.safetensors")
            .Select(name => Path.Combine(full, name)).FirstOrDefault(File.Exists);
        if (weights is null && Directory.GetFiles(full, "*.safetensors") is [var only]) weights = only;
        if (weights is null)
            throw new ModelLoadException(
                $"The model folder '{full}' has no weights: expected {string.Join(" or ", options.WeightsFiles.Append("model.safetensors"))} " +
                "(or a single *.safetensors file).");
        var (id, revision) = ExplicitIdentity(full);
        return new ResolvedModel(full, id, revision, ModelSource.Explicit, config, weights);
    }

    /// <summary>
    /// An explicit folder that is a cache snapshot (…/models--Org--Name/snapshots/&lt;commit&gt;) is that repository at that
    /// commit; any other folder is named by its path, so outputs never claim a hub revision they did not come from.
    /// </summary>
    private static (string Id, string Revision) ExplicitIdentity(string full)
    {
        var folder = new DirectoryInfo(full);
        if (folder.Parent?.Name == "snapshots" && folder.Parent.Parent?.Name.StartsWith("models--", StringComparison.Ordinal) == true)
            return (folder.Parent.Parent.Name["models--".Length..].Replace("--", "/", StringComparison.Ordinal), folder.Name);
        return (full, "local");
    }

    private static void Validate(HubOptions options)
    {
        string[] parts = options.RepoId.Split('/');
        if (parts.Length != 2 || parts.Any(p => p.Length == 0 || p is "." or ".." || p.Contains("--", StringComparison.Ordinal)
                || !p.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            throw new InvalidOptionException($"'{options.RepoId}' is not a hub repository id of the form owner/name.");
        if (options.Revision.Length == 0 || options.Revision.Split('/').Any(s => s is "" or "." or ".."))
            throw new InvalidOptionException($"'{options.Revision}' is not a valid revision.");
        if (!options.Files.Contains(HubOptions.ConfigFileName))
            throw new InvalidOptionException($"HubOptions.Files must include {HubOptions.ConfigFileName}.");
        if (!options.WeightsFiles.Any())
            throw new InvalidOptionException("HubOptions.Files names no weights file.");
        if (options.Files.FirstOrDefault(f => f.StartsWith('/') || f.Contains('\\') || f.Split('/').Any(s => s is "" or "." or "..")) is { } bad)
            throw new InvalidOptionException($"'{bad}' is not a repository file name.");
        if (string.IsNullOrWhiteSpace(options.ModelDirectory)
            && !(Uri.TryCreate(options.Endpoint, UriKind.Absolute, out var endpoint) && endpoint.Scheme is "http" or "https"))
            throw new InvalidOptionException($"The hub endpoint '{options.Endpoint}' (HF_ENDPOINT) is not an absolute URL.");
    }
}
