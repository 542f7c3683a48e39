using Zuna.Api.Cli;

namespace Zuna.Api.Tests.TestSupport;

/// <summary>Runs the `zuna` command line in process and captures its exit code, stdout and stderr.</summary>
public static class CliRun
{
    public static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await CliApp.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
