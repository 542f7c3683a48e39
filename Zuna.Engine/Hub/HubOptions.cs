namespace Zuna.Engine.Hub;

/// <summary>
/// Where the ZUNA weights come from: an explicit folder, the Hugging Face cache (shared with Python's
/// <c>huggingface_hub</c>, same layout) or a download from the hub.
/// </summary>
/// <remarks>
/// <see cref="FromEnvironment()"/> reads the same environment variables as <c>huggingface_hub</c>:
/// <list type="table">
///   <item><term><c>HF_ENDPOINT</c></term><description>hub base URL (default <c>https://huggingface.co</c>; a mirror
///     or a self-hosted hub). A trailing slash is ignored.</description></item>
///   <item><term><c>HF_TOKEN</c></term><description>access token, sent as <c>Authorization: Bearer</c> (legacy name
///     <c>HUGGING_FACE_HUB_TOKEN</c> is read too). Without it the token file is read: <c>HF_TOKEN_PATH</c>, default
///     <c>$HF_HOME/token</c> (written by <c>hf auth login</c>).</description></item>
///   <item><term><c>HF_HOME</c></term><description>Hugging Face home (default <c>$XDG_CACHE_HOME/huggingface</c>, else
///     <c>~/.cache/huggingface</c>).</description></item>
///   <item><term><c>HF_HUB_CACHE</c></term><description>the hub cache folder (legacy name
///     <c>HUGGINGFACE_HUB_CACHE</c>); default <c>$HF_HOME/hub</c>.</description></item>
///   <item><term><c>HF_HUB_OFFLINE</c></term><description><c>1</c>/<c>true</c>/<c>yes</c>/<c>on</c>: never touch the
///     network; only the explicit folder or the cache are used (<c>TRANSFORMERS_OFFLINE</c> is honoured too).</description></item>
/// </list>
/// Paths starting with <c>~</c> are expanded to the home folder, as Python does.
/// </remarks>
public sealed record HubOptions
{
    /// <summary>
    /// The repository of the current release, ZUNA1.1. The first release stays at <see cref="Zuna10RepoId"/>; both ship
    /// the same two files (<see cref="ConfigFileName"/>, <see cref="DefaultWeightsFileName"/>) and the loader tells the
    /// generation from the tensor names, so either repository id resolves and loads the same way.
    /// </summary>
    public const string DefaultRepoId = "Zyphra/ZUNA1.1";

    /// <summary>The repository of ZUNA 1.0, for pinning the first release.</summary>
    public const string Zuna10RepoId = "Zyphra/ZUNA";

    /// <summary>The public Hugging Face hub.</summary>
    public const string DefaultEndpoint = "https://huggingface.co";

    /// <summary>Name of the model configuration file.</summary>
    public const string ConfigFileName = "config.json";

    /// <summary>Name of the single weights shard in both <see cref="DefaultRepoId"/> and <see cref="Zuna10RepoId"/>.</summary>
    public const string DefaultWeightsFileName = "model-00001-of-00001.safetensors";

    /// <summary>Explicit model folder; when set it wins over the cache and the hub.</summary>
    public string? ModelDirectory { get; init; }

    /// <summary>Hub repository id, <c>owner/name</c>.</summary>
    public string RepoId { get; init; } = DefaultRepoId;

    /// <summary>Branch, tag or 40-hex commit sha.</summary>
    public string Revision { get; init; } = "main";

    /// <summary>Hub base URL without trailing slash.</summary>
    public string Endpoint { get; init; } = DefaultEndpoint;

    /// <summary>Access token sent as a Bearer header to the hub (never to a redirect target on another host).</summary>
    public string? Token { get; init; }

    /// <summary>The hub cache folder (the one that holds <c>models--owner--name</c>).</summary>
    public string CacheDirectory { get; init; } = DefaultCacheDirectory(name => Environment.GetEnvironmentVariable(name));

    /// <summary>Never use the network: explicit folder or cache only.</summary>
    public bool Offline { get; init; }

    /// <summary>Repository files the model needs: the config and the weights.</summary>
    public IReadOnlyList<string> Files { get; init; } = [ConfigFileName, DefaultWeightsFileName];

    /// <summary>Options from the process environment (see the remarks on <see cref="HubOptions"/>).</summary>
    public static HubOptions FromEnvironment() => FromEnvironment(name => Environment.GetEnvironmentVariable(name));

    /// <summary>Options from an environment given as a lookup (tests pass a dictionary instead of mutating the process).</summary>
    public static HubOptions FromEnvironment(Func<string, string?> getEnv)
    {
        ArgumentNullException.ThrowIfNull(getEnv);
        string hfHome = HfHome(getEnv);
        return new HubOptions
        {
            Endpoint = (NonEmpty(getEnv("HF_ENDPOINT")) ?? DefaultEndpoint).TrimEnd('/'),
            Token = NonEmpty(getEnv("HF_TOKEN")) ?? NonEmpty(getEnv("HUGGING_FACE_HUB_TOKEN")) ?? ReadTokenFile(getEnv, hfHome),
            CacheDirectory = DefaultCacheDirectory(getEnv),
            Offline = IsTrue(getEnv("HF_HUB_OFFLINE")) || IsTrue(getEnv("TRANSFORMERS_OFFLINE")),
        };
    }

    /// <summary>The weights files among <see cref="Files"/> (everything that is not the config).</summary>
    public IEnumerable<string> WeightsFiles => Files.Where(f => !f.Equals(ConfigFileName, StringComparison.Ordinal));

    private static string DefaultCacheDirectory(Func<string, string?> getEnv)
    {
        string? explicitCache = NonEmpty(getEnv("HF_HUB_CACHE")) ?? NonEmpty(getEnv("HUGGINGFACE_HUB_CACHE"));
        return explicitCache is not null ? ExpandHome(explicitCache, getEnv) : Path.Combine(HfHome(getEnv), "hub");
    }

    private static string HfHome(Func<string, string?> getEnv)
    {
        if (NonEmpty(getEnv("HF_HOME")) is { } home) return ExpandHome(home, getEnv);
        string xdgCache = NonEmpty(getEnv("XDG_CACHE_HOME")) is { } xdg
            ? ExpandHome(xdg, getEnv)
            : Path.Combine(UserHome(getEnv), ".cache");
        return Path.Combine(xdgCache, "huggingface");
    }

    // huggingface_hub strips the token file's content and treats an empty file as "no token".
    private static string? ReadTokenFile(Func<string, string?> getEnv, string hfHome)
    {
        string path = NonEmpty(getEnv("HF_TOKEN_PATH")) is { } p ? ExpandHome(p, getEnv) : Path.Combine(hfHome, "token");
        try
        {
            return File.Exists(path) ? NonEmpty(File.ReadAllText(path).Trim()) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // an unreadable token file means anonymous access, like a missing one
        }
    }

    private static string UserHome(Func<string, string?> getEnv) =>
        NonEmpty(getEnv("HOME")) ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    private static string ExpandHome(string path, Func<string, string?> getEnv) =>
        path == "~" ? UserHome(getEnv)
        : path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(UserHome(getEnv), path[2..])
        : path;

    private static bool IsTrue(string? value) =>
        value?.Trim().ToUpperInvariant() is "1" or "ON" or "YES" or "TRUE";

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
