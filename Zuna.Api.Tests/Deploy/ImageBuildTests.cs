using System.Diagnostics;

namespace Zuna.Api.Tests.Deploy;

/// <summary>A fact that runs only where a Docker daemon answers (DOCKER_HOST or the default socket); elsewhere it is skipped with the reason.</summary>
public sealed class DockerFactAttribute : FactAttribute
{
    public DockerFactAttribute()
    {
        if (DockerDaemon.Unavailable() is { } reason) Skip = reason;
    }
}

internal static class DockerDaemon
{
    private static readonly Lazy<string?> Reason = new(Probe);

    public static string? Unavailable() => Reason.Value;

    /// <summary>Runs a deploy script with the shared folder as its argument; asserts it exits 0 in time and returns its stdout.</summary>
    public static string RunScript(string script, TimeSpan limit)
    {
        using var run = Process.Start(new ProcessStartInfo("bash", [RepoFiles.Path(script), SharedData.Root])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        var stdout = run.StandardOutput.ReadToEndAsync();
        var stderr = run.StandardError.ReadToEndAsync();
        if (!run.WaitForExit(limit))
        {
            run.Kill(entireProcessTree: true);
            Assert.Fail($"{script} did not finish within {limit.TotalMinutes} minutes:\n{stderr.Result}");
        }
        Assert.True(run.ExitCode == 0, $"{script} exited {run.ExitCode}:\n{stdout.Result}\n{stderr.Result}");
        return stdout.Result;
    }

    private static string? Probe()
    {
        try
        {
            using var docker = Process.Start(new ProcessStartInfo("docker", "info --format {{.ServerVersion}}")
            {
                RedirectStandardOutput = true, RedirectStandardError = true,
            })!;
            if (!docker.WaitForExit(15_000)) { docker.Kill(); return "no Docker daemon answered within 15 s"; }
            return docker.ExitCode == 0 ? null : $"no Docker daemon ({docker.StandardError.ReadToEnd().Trim()}); .ci/run starts one";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "the docker client is not installed; .ci/run installs docker.io and starts a daemon";
        }
    }
}

/// <summary>
/// The image built from our Dockerfile for real (stand-in base images, no registry), started with a mounted Hugging Face
/// cache, healthy through its own HEALTHCHECK, answering like the command line, drawing chart text with the image's
/// fonts: deploy/local/build-and-run.sh does it all.
/// </summary>
[Collection(DockerCollection.Name)]
public sealed class ImageBuildTests
{
    [DockerFact]
    public void The_cpu_image_builds_turns_healthy_and_answers_like_the_cli()
    {
        string stdout = DockerDaemon.RunScript("deploy/local/build-and-run.sh", TimeSpan.FromMinutes(12));
        Assert.Contains("embed: latents [3, 480, 32]", stdout);
        Assert.Contains("recon: reconstruction [3, 12, 1280]", stdout);
        Assert.Matches(@"figures: \d+ charts with text", stdout);
        Assert.EndsWith("image ok", stdout.Trim());
    }
}
