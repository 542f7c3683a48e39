using System.Text.RegularExpressions;

namespace Zuna.Engine.Hub;

/// <summary>
/// One repository's folder in the Hugging Face cache, in exactly the layout of Python's <c>huggingface_hub</c>, so a
/// cache filled by either side is used by the other:
/// <code>
/// {cache}/models--Zyphra--ZUNA/refs/main                       the commit sha of "main" (no newline)
/// {cache}/models--Zyphra--ZUNA/blobs/{etag}                    file content, named by git sha1 or LFS sha256
/// {cache}/models--Zyphra--ZUNA/snapshots/{sha}/{file}          relative symlink → ../../blobs/{etag}
/// {cache}/.locks/models--Zyphra--ZUNA/{etag}.lock              flock held while a blob is written
/// </code>
/// </summary>
internal sealed partial class HubCache
{
    private readonly string _cacheDirectory;
    private readonly string _repoFolderName;

    public HubCache(string cacheDirectory, string repoId)
    {
        _cacheDirectory = Path.GetFullPath(cacheDirectory);
        _repoFolderName = "models--" + repoId.Replace("/", "--", StringComparison.Ordinal);
        RepoFolder = Path.Combine(_cacheDirectory, _repoFolderName);
    }

    /// <summary><c>{cache}/models--owner--name</c>.</summary>
    public string RepoFolder { get; }

    public string BlobPath(string etag) => Path.Combine(RepoFolder, "blobs", etag);

    public string IncompletePath(string etag) => BlobPath(etag) + ".incomplete";

    public string LockPath(string etag) => Path.Combine(_cacheDirectory, ".locks", _repoFolderName, etag + ".lock");

    public string SnapshotFolder(string commit) => Path.Combine(RepoFolder, "snapshots", commit);

    /// <summary>Path of a repository file inside a snapshot; refuses names that would leave the snapshot folder.</summary>
    public string PointerPath(string commit, string file)
    {
        string snapshot = SnapshotFolder(commit);
        string pointer = Path.GetFullPath(Path.Combine(snapshot, Path.Combine(file.Split('/'))));
        if (!pointer.StartsWith(snapshot + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new InvalidOptionException($"The repository file name '{file}' leaves the snapshot folder.");
        return pointer;
    }

    public static bool IsCommitHash(string revision) => CommitHash().IsMatch(revision);

    /// <summary>The commit a revision points to in the cache: itself when it is a sha, else <c>refs/{revision}</c>.</summary>
    public string? ReadRef(string revision)
    {
        if (IsCommitHash(revision)) return revision;
        string refPath = Path.Combine(RepoFolder, "refs", revision);
        if (!File.Exists(refPath)) return null;
        string commit = File.ReadAllText(refPath).Trim();
        return commit.Length > 0 ? commit : null;
    }

    /// <summary>Commit sha of the cached snapshot of <paramref name="revision"/> when every file is present, else null.</summary>
    public string? FindCompleteSnapshot(string revision, IEnumerable<string> files)
    {
        string? commit = ReadRef(revision);
        if (commit is null) return null;
        // File.Exists follows the symlink, so a pointer whose blob was deleted counts as missing.
        return files.All(f => File.Exists(PointerPath(commit, f))) ? commit : null;
    }

    /// <summary>Records <c>refs/{revision}</c> = commit, atomically, and only when it changes (the cache may be read-only).</summary>
    public void WriteRef(string revision, string commit)
    {
        if (revision == commit) return;
        string refPath = Path.Combine(RepoFolder, "refs", revision);
        if (File.Exists(refPath) && File.ReadAllText(refPath) == commit) return;
        Directory.CreateDirectory(Path.GetDirectoryName(refPath)!);
        string temp = $"{refPath}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temp, commit); // huggingface_hub reads the file raw: no trailing newline
        File.Move(temp, refPath, overwrite: true);
    }

    /// <summary>
    /// Points <c>snapshots/{commit}/{file}</c> at the blob with a relative symlink. Where symlinks cannot be made
    /// (Windows without developer mode) the blob is moved there when new, else copied — huggingface_hub's fallback.
    /// </summary>
    public void LinkPointer(string commit, string file, string blobPath, bool newBlob)
    {
        string pointer = PointerPath(commit, file);
        string folder = Path.GetDirectoryName(pointer)!;
        Directory.CreateDirectory(folder);
        if (File.Exists(pointer) || new FileInfo(pointer).LinkTarget is not null) File.Delete(pointer);
        try
        {
            File.CreateSymbolicLink(pointer, Path.GetRelativePath(folder, blobPath));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            if (newBlob) File.Move(blobPath, pointer);
            else File.Copy(blobPath, pointer);
        }
    }

    /// <summary>Marks the cache folder for backup tools (CACHEDIR.TAG), as huggingface_hub does.</summary>
    public void TagCacheDirectory()
    {
        string tag = Path.Combine(_cacheDirectory, "CACHEDIR.TAG");
        if (File.Exists(tag)) return;
        try
        {
            File.WriteAllText(tag,
                "Signature: 8a477f597d28d172789f06886806bc55\n" +
                "# This file is a cache directory tag created by the Zuna model resolver.\n" +
                "# For information about cache directory tags, see https://bford.info/cachedir/\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The tag is a courtesy to backup tools; a cache we cannot tag is still usable.
        }
    }

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitHash();
}
