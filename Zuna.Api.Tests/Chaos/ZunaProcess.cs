using System.Diagnostics;

namespace Zuna.Api.Tests.Chaos;

/// <summary>The built service run as its own process (<c>dotnet zuna.dll</c>), for what only a process can show: exit codes.</summary>
internal static class ZunaProcess
{
    /// <summary>zuna.dll is copied beside the tests (a referenced executable), with its runtimeconfig.</summary>
    public static string Dll => System.IO.Path.Combine(AppContext.BaseDirectory, "zuna.dll");

    /// <summary>Runs the service until it exits by itself (or kills it after <paramref name="limit"/>); returns exit code and output.</summary>
    public static (int ExitCode, string Output) RunUntilExit(IReadOnlyDictionary<string, string> environment, TimeSpan limit)
    {
        var start = new ProcessStartInfo("dotnet", [Dll, "--urls", "http://127.0.0.1:0"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var (k, v) in environment) start.Environment[k] = v;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return (-1, $"still running after {limit}:\n{stdout.Result}\n{stderr.Result}");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
