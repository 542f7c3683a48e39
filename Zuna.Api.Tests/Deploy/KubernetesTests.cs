using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Zuna.Api.Tests.Deploy;

/// <summary>Static checks of deploy/k8s (no cluster here): references resolve, probes and ports agree.</summary>
public sealed partial class KubernetesTests
{
    private const string Dir = "deploy/k8s/";
    private readonly YamlMappingNode _kustomization = RepoFiles.Yaml(Dir + "kustomization.yaml");
    private readonly List<YamlMappingNode> _objects;

    public KubernetesTests()
    {
        _objects = _kustomization.Seq("resources").Strings().SelectMany(r => RepoFiles.YamlDocuments(Dir + r)).ToList();
    }

    private YamlMappingNode Object(string kind) => Assert.Single(_objects, o => o.Str("kind") == kind);

    private YamlMappingNode Container() =>
        Assert.Single(Object("Deployment").Seq("spec.template.spec.containers").Maps(), c => c.Str("name") == "zuna");

    private Dictionary<string, string> Settings() =>
        Object("ConfigMap").Map("data").Entries().ToDictionary(kv => kv.Key, kv => ((YamlScalarNode)kv.Value).Value!);

    /// <summary>Resources named in comments (`# - optional/x.yaml`): the documented alternatives.</summary>
    private static IEnumerable<string> CommentedResources() =>
        CommentedResource().Matches(RepoFiles.Text(Dir + "kustomization.yaml")).Select(m => m.Groups["file"].Value);

    [Fact]
    public void Every_listed_or_documented_resource_exists_and_is_a_named_kubernetes_object()
    {
        var files = _kustomization.Seq("resources").Strings().Concat(CommentedResources()).Append("secret.example.yaml").ToList();
        Assert.Contains("optional/hpa-prometheus-adapter.yaml", files);
        foreach (string file in files)
        {
            Assert.True(RepoFiles.Exists(Dir + file), $"{file} is missing");
            foreach (var doc in RepoFiles.YamlDocuments(Dir + file))
            {
                Assert.NotEmpty(doc.Str("apiVersion"));
                Assert.NotEmpty(doc.Str("kind"));
                Assert.NotEmpty(doc.Str("metadata.name"));
            }
        }
        Assert.Equal("zuna", _kustomization.Str("namespace"));
        Assert.Equal("zuna", Object("Namespace").Str("metadata.name"));
    }

    [Fact]
    public void Deployment_requests_one_gpu_and_probes_the_apps_health_paths()
    {
        var container = Container();
        // Keys with dots are read directly: the dotted-path helper would split them.
        Assert.Equal("1", GpuCount(container, "requests"));
        Assert.Equal("1", GpuCount(container, "limits"));

        var port = Assert.Single(container.Seq("ports").Maps());
        Assert.Equal(AppContract.HttpPort.ToString(), port.Str("containerPort"));
        string portName = port.Str("name");

        (string Path, string Port) Probe(string kind) => (container.Str($"{kind}.httpGet.path"), container.Str($"{kind}.httpGet.port"));
        Assert.Equal((AppContract.ReadyPath, portName), Probe("startupProbe"));
        Assert.Equal((AppContract.LivePath, portName), Probe("livenessProbe"));
        Assert.Equal((AppContract.ReadyPath, portName), Probe("readinessProbe"));

        // The startup probe must outlast a cold model load (minutes), like the compose start_period.
        double startupBudget = double.Parse(container.Str("startupProbe.periodSeconds")) * double.Parse(container.Str("startupProbe.failureThreshold"));
        Assert.True(startupBudget >= 300, $"startup probe gives up after {startupBudget} s");
    }

    private static string GpuCount(YamlMappingNode container, string section) =>
        ((YamlScalarNode)container.Map("resources." + section).Children[new YamlScalarNode("nvidia.com/gpu")]).Value!;

    [Fact]
    public void Deployment_runs_as_the_image_user_with_the_cache_read_only_and_drains_before_kill()
    {
        var pod = Object("Deployment").Map("spec.template.spec");
        Assert.Equal(AppContract.AppUid.ToString(), pod.Str("securityContext.runAsUser"));
        Assert.Equal("true", pod.Str("securityContext.runAsNonRoot"));
        var container = Container();
        Assert.Equal("true", container.Str("securityContext.readOnlyRootFilesystem"));

        var settings = Settings();
        var cacheMount = container.Seq("volumeMounts").Maps().Single(m => m.Str("mountPath") == settings["HF_HOME"]);
        Assert.Equal(AppContract.HfHome, settings["HF_HOME"]);
        Assert.Equal("true", cacheMount.Str("readOnly"));
        Assert.Equal("1", settings["HF_HUB_OFFLINE"]); // read-only cache: the pod must not try to download
        var cacheVolume = pod.Seq("volumes").Maps().Single(v => v.Str("name") == cacheMount.Str("name"));
        Assert.Equal(Object("PersistentVolumeClaim").Str("metadata.name"), cacheVolume.Str("persistentVolumeClaim.claimName"));
        Assert.Contains(container.Seq("volumeMounts").Maps(), m => m.Str("mountPath") == "/tmp");

        double grace = double.Parse(pod.Str("terminationGracePeriodSeconds"));
        Assert.True(grace > double.Parse(settings["Zuna__Limits__ShutdownTimeoutSeconds"]) + 5);
    }

    [Fact]
    public void Settings_are_keys_the_app_binds_and_reach_the_container()
    {
        var settings = Settings();
        Assert.All(settings.Keys, key => Assert.True(AppContract.IsKnownVariable(key), $"{key} is not a setting the app binds"));
        foreach (var (key, allowed) in AppContract.EnumeratedValues)
            if (settings.TryGetValue(key, out string? value)) Assert.Contains(value, allowed);
        Assert.Equal("cuda", settings["Zuna__Model__Device"]);

        var container = Container();
        var envFrom = container.Seq("envFrom").Maps().ToList();
        Assert.Contains(envFrom, e => e.StrOrNull("configMapRef.name") == Object("ConfigMap").Str("metadata.name"));
        var secretRef = envFrom.Single(e => e.At("secretRef") is not null);
        Assert.Equal("true", secretRef.Str("secretRef.optional"));
        var example = RepoFiles.Yaml(Dir + "secret.example.yaml");
        Assert.Equal(example.Str("metadata.name"), secretRef.Str("secretRef.name"));
        Assert.All(example.Map("stringData").Entries(), kv => Assert.True(AppContract.IsKnownVariable(kv.Key)));

        foreach (var env in container.Seq("env").Maps())
            Assert.True(AppContract.IsKnownVariable(env.Str("name")), env.Str("name"));
        Assert.Contains(container.Seq("env").Maps(), e => e.Str("name") == "ASPNETCORE_HTTP_PORTS" && e.Str("value") == AppContract.HttpPort.ToString());
        // The device plugin owns GPU visibility in Kubernetes.
        Assert.DoesNotContain(container.Seq("env").Maps(), e => e.Str("name") == "NVIDIA_VISIBLE_DEVICES");
    }

    [Fact]
    public void Replicas_share_one_postgres_job_store_whose_connection_string_comes_from_the_secret()
    {
        Assert.Equal("postgres", Settings()["Zuna__Jobs__Store"]);
        var connection = Container().Seq("env").Maps().Single(e => e.Str("name") == "Zuna__Jobs__ConnectionString");
        var example = RepoFiles.Yaml(Dir + "secret.example.yaml");
        Assert.Equal(example.Str("metadata.name"), connection.Str("valueFrom.secretKeyRef.name"));
        Assert.Equal("Zuna__Jobs__ConnectionString", connection.Str("valueFrom.secretKeyRef.key"));
        Assert.Null(connection.StrOrNull("valueFrom.secretKeyRef.optional")); // required: no pod without a shared store
        Assert.Contains("Database=", example.Str("stringData.Zuna__Jobs__ConnectionString"));
    }

    [Fact]
    public void Service_selects_the_pods_and_forwards_8080()
    {
        var service = Object("Service");
        var port = Assert.Single(service.Seq("spec.ports").Maps());
        Assert.Equal(AppContract.HttpPort.ToString(), port.Str("port"));
        Assert.Equal(Assert.Single(Container().Seq("ports").Maps()).Str("name"), port.Str("targetPort"));
        var podLabels = Object("Deployment").Map("spec.template.metadata.labels").Entries().ToDictionary(kv => kv.Key, kv => ((YamlScalarNode)kv.Value).Value);
        foreach (var (key, value) in service.Map("spec.selector").Entries())
            Assert.Equal(podLabels[key], ((YamlScalarNode)value).Value);

        var annotations = Object("Deployment").Map("spec.template.metadata.annotations");
        Assert.Equal(AppContract.MetricsPath, Annotation(annotations, "prometheus.io/path"));
        Assert.Equal(AppContract.HttpPort.ToString(), Annotation(annotations, "prometheus.io/port"));
    }

    private static string Annotation(YamlMappingNode annotations, string key) =>
        ((YamlScalarNode)annotations.Children[new YamlScalarNode(key)]).Value!;

    [Fact]
    public void Autoscalers_target_the_deployment_on_queue_depth_and_inflight_metrics()
    {
        string deployment = Object("Deployment").Str("metadata.name");
        var keda = Object("ScaledObject");
        Assert.Equal("keda.sh/v1alpha1", keda.Str("apiVersion"));
        Assert.Equal(deployment, keda.Str("spec.scaleTargetRef.name"));
        var used = new HashSet<string>();
        foreach (var trigger in keda.Seq("spec.triggers").Maps())
        {
            Assert.Equal("prometheus", trigger.Str("type"));
            string query = trigger.Str("metadata.query");
            Assert.Subset(AppContract.QueryableSeries(), PromQl.MetricNames(query));
            Assert.Subset(AppContract.LabelNames, PromQl.LabelNames(query));
            used.UnionWith(PromQl.MetricNames(query));
            Assert.True(double.Parse(trigger.Str("metadata.threshold")) > 0);
        }
        Assert.Equal(new HashSet<string> { "zuna_queue_depth", "zuna_requests_inflight" }, used);
        Assert.True(int.Parse(keda.Str("spec.minReplicaCount")) >= 1);

        var hpa = RepoFiles.Yaml(Dir + "optional/hpa-prometheus-adapter.yaml");
        Assert.Equal(deployment, hpa.Str("spec.scaleTargetRef.name"));
        Assert.Equal(used, hpa.Seq("spec.metrics").Maps().Select(m => m.Str("pods.metric.name")).ToHashSet());
        // Never both: the HPA stays out of the kustomization's active resources.
        Assert.DoesNotContain("optional/hpa-prometheus-adapter.yaml", _kustomization.Seq("resources").Strings());
    }

    [Fact]
    public void Cache_populate_job_reads_the_same_repo_and_revision_as_the_service()
    {
        var job = Object("Job");
        var settings = Settings();
        var container = Assert.Single(job.Seq("spec.template.spec.containers").Maps());
        foreach (var env in container.Seq("env").Maps().Where(e => e.At("valueFrom.configMapKeyRef") is not null))
        {
            Assert.Equal(Object("ConfigMap").Str("metadata.name"), env.Str("valueFrom.configMapKeyRef.name"));
            Assert.Contains(env.Str("valueFrom.configMapKeyRef.key"), settings.Keys);
        }
        Assert.Contains(container.Seq("env").Maps(), e => e.StrOrNull("valueFrom.configMapKeyRef.key") == "Zuna__Model__Revision");
        Assert.Contains(container.Seq("env").Maps(), e => e.Str("name") == "HF_HOME" && e.Str("value") == settings["HF_HOME"]);
        var volume = Assert.Single(job.Seq("spec.template.spec.volumes").Maps(), v => v.At("persistentVolumeClaim") is not null);
        Assert.Equal(Object("PersistentVolumeClaim").Str("metadata.name"), volume.Str("persistentVolumeClaim.claimName"));
        Assert.Equal(AppContract.AppUid.ToString(), job.Str("spec.template.spec.securityContext.runAsUser"));
    }

    [GeneratedRegex(@"^\s*#\s*-\s*(?<file>[\w./-]+\.ya?ml)\s*$", RegexOptions.Multiline)]
    private static partial Regex CommentedResource();
}
