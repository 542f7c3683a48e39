namespace Zuna.Engine.Hub;

/// <summary>Where a resolved model came from.</summary>
public enum ModelSource
{
    /// <summary>The folder given in <see cref="HubOptions.ModelDirectory"/>.</summary>
    Explicit,

    /// <summary>A complete snapshot already in the Hugging Face cache; no request was made.</summary>
    Cache,

    /// <summary>At least one file was fetched from the hub into the cache.</summary>
    Download,
}

/// <summary>A folder that holds everything the model needs.</summary>
/// <param name="Directory">The explicit folder, or the cache snapshot folder <c>snapshots/&lt;sha&gt;</c>.</param>
/// <param name="RepoId">Hub repository id; for an explicit folder outside the cache, the folder's full path.</param>
/// <param name="Revision">The commit sha (cache or download, or an explicit folder that is a cache snapshot), else "local".</param>
/// <param name="Source">Explicit, Cache or Download.</param>
/// <param name="ConfigPath">Full path of <c>config.json</c>.</param>
/// <param name="WeightsPath">Full path of the safetensors weights.</param>
public sealed record ResolvedModel(
    string Directory, string RepoId, string Revision, ModelSource Source, string ConfigPath, string WeightsPath);

/// <summary>Download progress of one file.</summary>
/// <param name="File">Repository file name.</param>
/// <param name="BytesDone">Bytes on disk so far, including a resumed prefix.</param>
/// <param name="BytesTotal">Expected size, when the hub told it.</param>
public readonly record struct DownloadProgress(string File, long BytesDone, long? BytesTotal);

/// <summary>How a loaded model names itself in outputs and /v1/info: hub repository (or local folder) and revision.</summary>
public sealed record ModelIdentity(string ModelId, string Revision);
