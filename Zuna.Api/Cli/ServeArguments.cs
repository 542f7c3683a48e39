using Zuna.Api.Composition;

namespace Zuna.Api.Cli;

/// <summary>
/// The arguments of the serving mode (no verb): only options, each one the server knows. Checked before the host is
/// built, so a typo such as <c>--modeldir</c> is a usage error rather than a server on port 5000 that tries the hub.
/// </summary>
public static class ServeArguments
{
    /// <summary>The host's own settings (WebHostDefaults / HostDefaults keys), which hosts and test factories pass as options.</summary>
    private static readonly string[] HostSettings =
    [
        "contentRoot", "applicationName", "webroot", "http_ports", "https_ports", "https_port", "detailedErrors",
        "captureStartupErrors", "shutdownTimeoutSeconds", "suppressStatusMessages", "preventHostingStartup",
        "hostingStartupAssemblies", "hostingStartupExcludeAssemblies", "startupAssembly", "hostBuilder:reloadConfigOnChange",
    ];

    /// <summary>Options of the serving mode besides the configuration keys (<c>--Zuna:Model:Path</c>), which are also accepted.</summary>
    public static IReadOnlyList<string> KnownOptions { get; } =
        [.. ServiceComposition.SwitchMappings.Keys, "--urls", "--environment", .. HostSettings.Select(key => "--" + key)];

    /// <summary>True when the arguments ask for the server: none, or options only (a first argument that is not an option is a verb).</summary>
    public static bool AreServe(string[] args) =>
        args.Length == 0 || (args[0].StartsWith('-') && args[0] is not ("-h" or "--help" or "-?" or "--version"));

    /// <summary>A one-line usage error for the first unknown option or stray value, else null.</summary>
    public static string? Problem(string[] args)
    {
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith('-'))
                return $"unexpected argument '{arg}': options take one value each (see 'zuna --help' for the verbs)";
            string name = arg.Split('=', 2)[0];
            bool hasInlineValue = name.Length < arg.Length;
            // "--Section=" (no value) sets nothing; test hosts pass one for every configuration section.
            bool emptyInline = hasInlineValue && arg.Length == name.Length + 1;
            if (!emptyInline && !name.Contains(':') && !KnownOptions.Contains(name, StringComparer.OrdinalIgnoreCase))
                return $"unknown option '{name}'{Suggestion.For(name, KnownOptions)} (the server takes {string.Join(", ", KnownOptions.Take(4))} " +
                       "and configuration keys such as --Zuna:Queue:Capacity; see 'zuna --help' for the verbs)";
            if (!hasInlineValue)
            {
                if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    return $"option '{name}' needs a value";
                i++;
            }
        }
        return null;
    }
}
