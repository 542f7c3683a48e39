using YamlDotNet.RepresentationModel;

namespace Zuna.Api.Tests.Deploy;

/// <summary>Static checks of docker-compose.yml and its CPU override (no Docker engine here).</summary>
public sealed class ComposeTests
{
    private readonly YamlMappingNode _compose = RepoFiles.Yaml("docker-compose.yml");
    private readonly YamlMappingNode _cpu = RepoFiles.Yaml("docker-compose.cpu.yml");

    private YamlMappingNode Service(string name) => _compose.Map("services." + name);

    private static Dictionary<string, string?> Environment(YamlMappingNode service) =>
        service.At("environment") is YamlMappingNode env
            ? env.Entries().ToDictionary(kv => kv.Key, kv => ((YamlScalarNode)kv.Value).Value)
            : [];

    [Fact]
    public void Has_the_service_and_the_observability_stack_all_restarting()
    {
        var services = _compose.Map("services").Entries().Select(kv => kv.Key).ToHashSet();
        Assert.Equal(new HashSet<string> { "zuna", "postgres", "otel-collector", "prometheus", "grafana", "jaeger" }, services);
        foreach (string name in services)
            Assert.Contains(Service(name).Str("restart"), new[] { "unless-stopped", "always" });
    }

    [Fact]
    public void Zuna_reserves_an_nvidia_gpu_and_builds_the_cuda_image()
    {
        var zuna = Service("zuna");
        var device = Assert.Single(zuna.Seq("deploy.resources.reservations.devices").Maps());
        Assert.Equal("nvidia", device.Str("driver"));
        Assert.Contains(device.Str("count"), new[] { "1", "all" });
        Assert.Contains("gpu", device.Seq("capabilities").Strings());

        Assert.True(RepoFiles.Exists(Path.Combine(zuna.Str("build.context"), zuna.Str("build.dockerfile"))));
        Assert.Equal("cuda", zuna.Str("build.args.TORCH_BACKEND"));
        Assert.Equal("cuda", Environment(zuna)["Zuna__Model__Device"]!.Split(":-")[^1].TrimEnd('}'));
    }

    [Fact]
    public void Cpu_override_switches_backend_and_drops_the_gpu_reservation()
    {
        var zuna = _cpu.Map("services.zuna");
        Assert.Equal("cpu", zuna.Str("build.args.TORCH_BACKEND"));
        Assert.Equal("cpu", Environment(zuna)["Zuna__Model__Device"]);
        // `!reset` makes Compose drop the base file's device list instead of merging into it.
        var devices = Assert.IsType<YamlSequenceNode>(zuna.At("deploy.resources.reservations.devices"));
        Assert.Equal("!reset", devices.Tag.Value);
        Assert.Empty(devices.Children);
        Assert.NotEqual(Service("zuna").Str("image"), zuna.Str("image"));
    }

    [Fact]
    public void Every_environment_variable_is_one_the_app_reads_with_a_valid_value()
    {
        foreach (var service in new[] { Service("zuna"), _cpu.Map("services.zuna") })
        {
            foreach (var (key, value) in Environment(service))
            {
                Assert.True(AppContract.IsKnownVariable(key), $"{key} is not a setting the app binds");
                if (AppContract.EnumeratedValues.TryGetValue(key, out string[]? allowed) && value is not null)
                {
                    // Either a literal or ${VAR:-default}: the literal or the default must be allowed.
                    string effective = value.StartsWith("${", StringComparison.Ordinal) ? value[(value.IndexOf(":-", StringComparison.Ordinal) + 2)..^1] : value;
                    Assert.Contains(effective, allowed);
                }
            }
        }
        var env = Environment(Service("zuna"));
        Assert.Equal(AppContract.HfHome, env["HF_HOME"]);
        Assert.Equal("zuna", env["OTEL_SERVICE_NAME"]);
    }

    [Fact]
    public void Ports_and_health_paths_agree_with_the_dockerfile()
    {
        var zuna = Service("zuna");
        Assert.Contains($"{AppContract.HttpPort}:{AppContract.HttpPort}", zuna.Seq("ports").Strings());

        var docker = DockerfileModel.Load();
        var (dockerCommand, dockerOptions) = docker.Healthcheck();
        var test = zuna.Seq("healthcheck.test").Strings().ToArray();
        Assert.Equal("CMD", test[0]);
        Assert.Equal(dockerCommand, test[1..]);
        Assert.True(DockerfileTests.Seconds(zuna.Str("healthcheck.start_period")) >= DockerfileTests.Seconds(dockerOptions["start-period"]));
        // Docker stops the container after stop_grace_period; the app drains for ShutdownTimeoutSeconds.
        string shutdown = Environment(zuna)["Zuna__Limits__ShutdownTimeoutSeconds"]!;
        double drain = double.Parse(shutdown.StartsWith("${", StringComparison.Ordinal) ? shutdown[(shutdown.IndexOf(":-", StringComparison.Ordinal) + 2)..^1] : shutdown);
        Assert.True(DockerfileTests.Seconds(zuna.Str("stop_grace_period")) > drain);
    }

    [Fact]
    public void Every_service_but_the_distroless_collector_has_a_healthcheck()
    {
        foreach (var (name, node) in _compose.Map("services").Entries())
        {
            var service = (YamlMappingNode)node;
            if (name == "otel-collector")
            {
                Assert.Null(service.At("healthcheck"));
                continue;
            }
            var test = service.Seq("healthcheck.test").Strings().ToArray();
            Assert.Equal("CMD", test[0]);
            Assert.NotNull(service.StrOrNull("healthcheck.start_period"));
        }
        Assert.Equal("service_healthy", Service("grafana").Str("depends_on.prometheus.condition"));
    }

    [Fact]
    public void Telemetry_goes_to_the_collectors_otlp_port()
    {
        var env = Environment(Service("zuna"));
        var collector = RepoFiles.Yaml(ConfigPath("otel-collector", "/etc/otelcol/config.yaml"));
        string grpc = collector.Str("receivers.otlp.protocols.grpc.endpoint");
        Assert.Equal("0.0.0.0:4317", grpc);
        Assert.Equal("0.0.0.0:4318", collector.Str("receivers.otlp.protocols.http.endpoint"));
        Assert.Equal("http://otel-collector:4317", env["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.Equal("http://otel-collector:4317", env["Zuna__Telemetry__OtlpEndpoint"]);
        Assert.Contains("127.0.0.1:4317:4317", Service("otel-collector").Seq("ports").Strings());
        Assert.Contains("127.0.0.1:4318:4318", Service("otel-collector").Seq("ports").Strings());
    }

    [Fact]
    public void Bind_mounts_exist_and_named_volumes_are_declared()
    {
        var declared = _compose.Map("volumes").Entries().Select(kv => kv.Key).ToHashSet();
        Assert.Equal(new HashSet<string> { "hf-cache", "postgres-data", "prometheus-data", "grafana-data" }, declared);
        foreach (var (name, node) in _compose.Map("services").Entries())
        {
            if (node.At("volumes") is not YamlSequenceNode volumes) continue;
            foreach (string volume in volumes.Strings())
            {
                string source = volume.Split(':')[0];
                if (source.StartsWith("./", StringComparison.Ordinal))
                    Assert.True(RepoFiles.Exists(source[2..]), $"{name}: {source} does not exist");
                else
                    Assert.Contains(source, declared);
            }
        }
        Assert.Contains($"hf-cache:{AppContract.HfHome}", Service("zuna").Seq("volumes").Strings());
    }

    [Fact]
    public void Zuna_keeps_its_jobs_in_the_postgres_service_on_a_volume()
    {
        var env = Environment(Service("zuna"));
        Assert.Equal("postgres", env["Zuna__Jobs__Store"]);
        var connection = env["Zuna__Jobs__ConnectionString"]!.Split(';').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var postgres = Service("postgres");
        var db = Environment(postgres);
        Assert.Equal("postgres", connection["Host"]); // the compose service name
        Assert.Equal(db["POSTGRES_USER"], connection["Username"]);
        Assert.Equal(db["POSTGRES_DB"], connection["Database"]);
        Assert.Equal(db["POSTGRES_PASSWORD"], connection["Password"]);
        Assert.Contains("postgres-data:/var/lib/postgresql/data", postgres.Seq("volumes").Strings());
        Assert.Equal("service_healthy", Service("zuna").Str("depends_on.postgres.condition"));
        Assert.Equal(["CMD", "pg_isready", "-U", db["POSTGRES_USER"]!, "-d", db["POSTGRES_DB"]!], postgres.Seq("healthcheck.test").Strings());
        Assert.Null(postgres.At("ports")); // reachable only over the compose network
    }

    [Fact]
    public void Grafana_home_dashboard_is_inside_the_mounted_dashboard_folder()
    {
        var grafana = Service("grafana");
        string home = Environment(grafana)["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]!;
        string mount = grafana.Seq("volumes").Strings().Single(v => v.StartsWith("./deploy/grafana/dashboards:", StringComparison.Ordinal));
        string target = mount.Split(':')[1];
        Assert.StartsWith(target + "/", home);
        Assert.True(RepoFiles.Exists("deploy/grafana/dashboards/" + home[(target.Length + 1)..]));
    }

    /// <summary>The repository file a service mounts at a container path.</summary>
    internal static string ConfigPath(string service, string containerPath)
    {
        var compose = RepoFiles.Yaml("docker-compose.yml");
        string mount = compose.Seq($"services.{service}.volumes").Strings().Single(v => v.Split(':')[1] == containerPath);
        return mount.Split(':')[0][2..];
    }
}
