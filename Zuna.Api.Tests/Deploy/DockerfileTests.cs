using System.CommandLine;
using System.Xml.Linq;
using Zuna.Api.Cli;

namespace Zuna.Api.Tests.Deploy;

/// <summary>Static checks of the Dockerfile (no Docker engine is available to build it here).</summary>
public sealed class DockerfileTests
{
    private readonly DockerfileModel _docker = DockerfileModel.Load();

    [Fact]
    public void Builds_on_the_sdk_and_runs_on_the_aspnet_10_image()
    {
        // Base images are build arguments (stand-ins where registries are unreachable) defaulting to the official ones.
        var stages = _docker.Stages();
        Assert.Equal("${SDK_IMAGE}", stages["build"]);
        Assert.Equal("${RUNTIME_IMAGE}", stages["runtime-base"]);
        var globalArgs = _docker.All("ARG").Where(a => a.Stage is null).Select(a => a.Arguments).ToList();
        Assert.Contains("SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0", globalArgs);
        Assert.Contains("RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0", globalArgs);
        // The last FROM is the image `docker build` produces: the runtime for the chosen backend.
        Assert.Equal("runtime-${TORCH_BACKEND}", _docker.All("FROM").Last().Arguments.Split(' ')[0]);
    }

    [Fact]
    public void Torch_backend_argument_reaches_msbuild_and_matches_the_engine_project()
    {
        Assert.Single(_docker.All("ARG"), a => a.Stage is null && a.Arguments == "TORCH_BACKEND=cpu");

        var msbuildCalls = _docker.InStage("build").Where(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet ")).ToList();
        Assert.Equal(2, msbuildCalls.Count); // restore, publish
        Assert.All(msbuildCalls, run => Assert.Contains("-p:TorchBackend=$TORCH_BACKEND", run.Arguments));

        // Every backend the engine project can switch to has a runtime stage, and no other.
        var conditions = XDocument.Load(RepoFiles.Path("Zuna.Engine/Zuna.Engine.csproj"))
            .Descendants("PackageReference").Select(p => (string?)p.Attribute("Condition")).OfType<string>();
        var backends = conditions.Select(c => System.Text.RegularExpressions.Regex.Match(c, @"'\$\(TorchBackend\)' == '(\w+)'"))
            .Where(m => m.Success).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Equal(new HashSet<string> { "cpu", "cuda" }, backends);
        var runtimeStages = _docker.Stages().Keys.Where(s => s.StartsWith("runtime-", StringComparison.Ordinal) && s != "runtime-base")
            .Select(s => s["runtime-".Length..]).ToHashSet();
        Assert.Equal(backends, runtimeStages);
    }

    [Fact]
    public void Restore_runs_before_sources_are_copied_and_every_copied_path_exists()
    {
        var build = _docker.InStage("build").ToList();
        int restore = build.FindIndex(i => i.Keyword == "RUN" && i.Arguments.StartsWith("dotnet restore", StringComparison.Ordinal));
        string[] projectFolders = ["Zuna.Engine/", "Zuna.Api/"];
        int sources = build.FindIndex(i => i.Keyword == "COPY" && projectFolders.Any(f => i.Arguments.StartsWith(f + " ", StringComparison.Ordinal)));
        Assert.True(restore >= 0 && sources > restore, "restore must come before the project folders are copied");
        Assert.All(build.Take(restore).Where(i => i.Keyword == "COPY"),
            copy => Assert.DoesNotContain(copy.Arguments.Split(' ')[..^1], p => projectFolders.Contains(p)));

        var ignored = RepoFiles.Text(".dockerignore").Split('\n').Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#')).ToHashSet();
        foreach (var copy in build.Where(i => i.Keyword == "COPY"))
        {
            foreach (string source in copy.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1])
            {
                Assert.True(RepoFiles.Exists(source), $"COPY source {source} does not exist");
                string top = source.TrimEnd('/').Split('/')[0];
                Assert.DoesNotContain(top, ignored);
                Assert.DoesNotContain(top + "/", ignored);
            }
        }
        // Host build outputs and the test tree stay out of the build context.
        Assert.Contains("**/bin/", ignored);
        Assert.Contains("**/obj/", ignored);
        Assert.Contains("Zuna.Api.Tests/", ignored);
    }

    [Fact]
    public void Publishes_the_zuna_executable_for_linux_x64_into_app()
    {
        var publish = Assert.Single(_docker.InStage("build"), i => i.Keyword == "RUN" && i.Arguments.StartsWith("dotnet publish", StringComparison.Ordinal));
        Assert.Contains("Zuna.Api/Zuna.Api.csproj", publish.Arguments);
        Assert.Contains("-r linux-x64", publish.Arguments);
        Assert.Contains("-o /app/publish", publish.Arguments);

        string assemblyName = XDocument.Load(RepoFiles.Path("Zuna.Api/Zuna.Api.csproj")).Descendants("AssemblyName").Single().Value;
        Assert.Equal(AppContract.ExecutablePath, "/app/" + assemblyName);
        Assert.Contains(_docker.InStage("runtime-base"), i => i.Keyword == "COPY" && i.Arguments == "--from=build /app/publish/ /app/");
        Assert.Equal($"[\"{AppContract.ExecutablePath}\"]", Assert.Single(_docker.All("ENTRYPOINT")).Arguments);
    }

    [Fact]
    public void Runtime_is_non_root_on_port_8080_with_the_hf_cache_from_a_volume()
    {
        Assert.Equal("$APP_UID", Assert.Single(_docker.InStage("runtime-base"), i => i.Keyword == "USER").Arguments);
        Assert.Equal(AppContract.HttpPort.ToString(), Assert.Single(_docker.All("EXPOSE")).Arguments);
        foreach (string backend in new[] { "cpu", "cuda" })
        {
            var env = _docker.Env("runtime-" + backend);
            Assert.Equal(AppContract.HttpPort.ToString(), env["ASPNETCORE_HTTP_PORTS"]);
            Assert.Equal(AppContract.HfHome, env["HF_HOME"]);
            Assert.Equal("2", env["MALLOC_ARENA_MAX"]); // two malloc arenas: the soak's RSS stays flat (README, Reliability)
            Assert.All(env.Keys, key => Assert.True(AppContract.IsKnownVariable(key), $"unknown variable {key}"));
        }
        Assert.Contains(_docker.InStage("runtime-base"), i => i.Keyword == "RUN" && i.Arguments.Contains($"chown \"$APP_UID:$APP_UID\" {AppContract.HfHome}"));
        // No weights in the image: nothing is downloaded or copied into the cache folder at build time.
        Assert.DoesNotContain(_docker.Instructions, i => i.Keyword is "COPY" or "ADD" && i.Arguments.Contains(AppContract.HfHome));
    }

    [Fact]
    public void Only_the_cuda_runtime_asks_the_nvidia_toolkit_for_the_gpu()
    {
        var cuda = _docker.Env("runtime-cuda");
        Assert.Equal("all", cuda["NVIDIA_VISIBLE_DEVICES"]);
        Assert.Equal("compute,utility", cuda["NVIDIA_DRIVER_CAPABILITIES"]);
        Assert.DoesNotContain("NVIDIA_VISIBLE_DEVICES", _docker.Env("runtime-cpu").Keys);
    }

    [Fact]
    public void Healthcheck_calls_the_probe_verb_with_options_it_accepts()
    {
        var (command, options) = _docker.Healthcheck();
        Assert.Equal(AppContract.ExecutablePath, command[0]);
        string[] args = command[1..];

        // The verb is registered with the real CLI (Program.cs hands such args to it) ...
        Assert.True(CliApp.IsVerb(args));
        // ... and the probe command accepts exactly these options.
        var root = new RootCommand { ProbeVerb.Create() };
        ParseResult parse = root.Parse(args);
        Assert.Empty(parse.Errors);
        Assert.Equal("probe", parse.CommandResult.Command.Name);
        var url = new Uri(parse.GetValue<string>("--url")!);
        Assert.Equal("127.0.0.1", url.Host);
        Assert.Equal(AppContract.HttpPort, url.Port);
        Assert.Equal(AppContract.ReadyPath, url.AbsolutePath);

        int probeTimeout = parse.GetValue<int>("--timeout-seconds");
        Assert.True(probeTimeout < Seconds(options["timeout"]), "the probe must give up before Docker kills it");
        Assert.True(Seconds(options["start-period"]) >= 300, "model download and load need minutes");
    }

    internal static double Seconds(string duration) => duration[^1] switch
    {
        's' => double.Parse(duration[..^1], System.Globalization.CultureInfo.InvariantCulture),
        'm' => 60 * double.Parse(duration[..^1], System.Globalization.CultureInfo.InvariantCulture),
        'h' => 3600 * double.Parse(duration[..^1], System.Globalization.CultureInfo.InvariantCulture),
        _ => throw new FormatException($"unsupported duration {duration}"),
    };
}
