namespace Zuna.Api.Tests;

/// <summary>Locates the read-only ../shared reference folder beside the repository (never copied in).</summary>
public static class SharedData
{
    public static string Root { get; } = FindRoot();

    public static string Path(string relative) => System.IO.Path.Combine(Root, relative);

    private static string FindRoot()
    {
        string? env = Environment.GetEnvironmentVariable("ZUNA_SHARED_DIR");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env)) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = System.IO.Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(System.IO.Path.Combine(candidate, "fixtures"))) return candidate;
        }
        throw new DirectoryNotFoundException("The shared reference folder (../shared beside the repository) was not found; set ZUNA_SHARED_DIR.");
    }
}
