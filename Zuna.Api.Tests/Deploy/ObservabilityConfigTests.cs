using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace Zuna.Api.Tests.Deploy;

/// <summary>Static checks of the collector, Prometheus, Jaeger and Grafana configuration under deploy/.</summary>
public sealed class ObservabilityConfigTests
{
    private static readonly string CollectorFile = ComposeTests.ConfigPath("otel-collector", "/etc/otelcol/config.yaml");
    private static readonly string PrometheusFile = ComposeTests.ConfigPath("prometheus", "/etc/prometheus/prometheus.yml");
    private static readonly string JaegerFile = ComposeTests.ConfigPath("jaeger", "/etc/jaeger/config.yaml");

    private static int Port(string endpoint) => int.Parse(endpoint[(endpoint.LastIndexOf(':') + 1)..]);

    /// <summary>Every component a pipeline (or the extension list) names is defined in its section.</summary>
    private static void AssertPipelinesReferenceDefinedComponents(YamlMappingNode config)
    {
        HashSet<string> Defined(string section) =>
            config.At(section) is YamlMappingNode m ? m.Entries().Select(kv => kv.Key).ToHashSet() : [];
        foreach (string extension in config.Seq("service.extensions").Strings())
            Assert.Contains(extension, Defined("extensions"));
        foreach (var (name, pipeline) in config.Map("service.pipelines").Entries())
            foreach (string section in new[] { "receivers", "processors", "exporters" })
                if (pipeline.At(section) is YamlSequenceNode used)
                    foreach (string component in used.Strings())
                        Assert.True(Defined(section).Contains(component), $"pipeline {name}: {section[..^1]} {component} is not defined");
    }

    [Fact]
    public void Collector_sends_traces_to_jaeger_and_exposes_metrics_for_prometheus()
    {
        var collector = RepoFiles.Yaml(CollectorFile);
        AssertPipelinesReferenceDefinedComponents(collector);

        Assert.Equal(["otlp"], collector.Seq("service.pipelines.traces.receivers").Strings());
        string traceExporter = Assert.Single(collector.Seq("service.pipelines.traces.exporters").Strings());
        string jaegerEndpoint = collector.Str($"exporters.{traceExporter}.endpoint");
        Assert.Equal("jaeger", jaegerEndpoint.Split(':')[0]);
        var jaeger = RepoFiles.Yaml(JaegerFile);
        Assert.Equal(Port(jaegerEndpoint), Port(jaeger.Str("receivers.otlp.protocols.grpc.endpoint")));

        Assert.Contains("prometheus", collector.Seq("service.pipelines.metrics.exporters").Strings());
        var prometheus = RepoFiles.Yaml(PrometheusFile);
        var targets = ScrapeTargets(prometheus);
        Assert.Contains($"otel-collector:{Port(collector.Str("exporters.prometheus.endpoint"))}", targets["otel-collector"]);
        var selfMetrics = Assert.Single(collector.Seq("service.telemetry.metrics.readers").Maps());
        Assert.Contains($"otel-collector:{selfMetrics.Str("pull.exporter.prometheus.port")}", targets["otel-collector-internal"]);
        // memory_limiter must run first in every pipeline to protect the collector.
        foreach (var (_, pipeline) in collector.Map("service.pipelines").Entries())
            Assert.Equal("memory_limiter", pipeline.Seq("processors").Strings().First());
    }

    private static Dictionary<string, List<string>> ScrapeTargets(YamlMappingNode prometheus) =>
        prometheus.Seq("scrape_configs").Maps().ToDictionary(
            job => job.Str("job_name"),
            job => job.Seq("static_configs").Maps().SelectMany(s => s.Seq("targets").Strings()).ToList());

    [Fact]
    public void Prometheus_scrapes_the_app_metrics_path_on_8080_and_only_compose_hosts()
    {
        var prometheus = RepoFiles.Yaml(PrometheusFile);
        var zunaJob = prometheus.Seq("scrape_configs").Maps().Single(j => j.Str("job_name") == "zuna");
        Assert.Equal(AppContract.MetricsPath, zunaJob.Str("metrics_path"));
        Assert.Equal([$"zuna:{AppContract.HttpPort}"], ScrapeTargets(prometheus)["zuna"]);

        var services = RepoFiles.Yaml("docker-compose.yml").Map("services").Entries().Select(kv => kv.Key).ToHashSet();
        foreach (string target in ScrapeTargets(prometheus).Values.SelectMany(t => t))
        {
            string host = target.Split(':')[0];
            Assert.True(host == "localhost" || services.Contains(host), $"scrape target {target} is no compose service");
        }
        // Series pushed through the collector must not take over the direct scrape's job label.
        var collectorJob = prometheus.Seq("scrape_configs").Maps().Single(j => j.Str("job_name") == "otel-collector");
        Assert.Equal("false", collectorJob.Str("honor_labels"));
    }

    [Fact]
    public void Jaeger_runs_all_in_one_with_otlp_in_and_the_ports_compose_uses()
    {
        var jaeger = RepoFiles.Yaml(JaegerFile);
        AssertPipelinesReferenceDefinedComponents(jaeger);
        Assert.Equal(4317, Port(jaeger.Str("receivers.otlp.protocols.grpc.endpoint")));
        Assert.Equal(4318, Port(jaeger.Str("receivers.otlp.protocols.http.endpoint")));

        var service = RepoFiles.Yaml("docker-compose.yml").Map("services.jaeger");
        int ui = Port(jaeger.Str("extensions.jaeger_query.http.endpoint"));
        Assert.Contains($"127.0.0.1:{ui}:{ui}", service.Seq("ports").Strings());
        string healthUrl = service.Seq("healthcheck.test").Strings().Last();
        var health = new Uri(healthUrl);
        Assert.Equal(Port(jaeger.Str("extensions.healthcheckv2.http.endpoint")), health.Port);
        Assert.Equal(jaeger.Str("extensions.healthcheckv2.http.status.path"), health.AbsolutePath);
    }

    [Fact]
    public void Grafana_provisions_prometheus_and_jaeger_and_the_dashboard_folder()
    {
        var datasources = RepoFiles.Yaml("deploy/grafana/provisioning/datasources/datasources.yaml").Seq("datasources").Maps().ToList();
        var services = RepoFiles.Yaml("docker-compose.yml").Map("services");
        foreach (var source in datasources)
        {
            var url = new Uri(source.Str("url"));
            Assert.NotNull(services.At(url.Host)); // a compose service
        }
        Assert.Equal(new HashSet<string> { "prometheus", "jaeger" }, datasources.Select(d => d.Str("uid")).ToHashSet());
        Assert.Equal("http://prometheus:9090", datasources.Single(d => d.Str("type") == "prometheus").Str("url"));

        var provider = Assert.Single(RepoFiles.Yaml("deploy/grafana/provisioning/dashboards/dashboards.yaml").Seq("providers").Maps());
        string mount = services.Seq("grafana.volumes").Strings().Single(v => v.StartsWith("./deploy/grafana/dashboards:", StringComparison.Ordinal));
        Assert.Equal(mount.Split(':')[1], provider.Str("options.path"));
    }

    [Fact]
    public void Dashboard_queries_use_only_the_apps_metric_names_and_cover_all_of_them()
    {
        using var dashboard = JsonDocument.Parse(RepoFiles.Text("deploy/grafana/dashboards/zuna.json"));
        var provisioned = RepoFiles.Yaml("deploy/grafana/provisioning/datasources/datasources.yaml")
            .Seq("datasources").Maps().Select(d => d.Str("uid")).ToHashSet();
        var allowed = AppContract.QueryableSeries();
        var used = new HashSet<string>();
        int queries = 0;

        var expressions = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .Where(p => p.TryGetProperty("targets", out _))
            .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => (Panel: p, Target: t)));
        foreach (var (panel, target) in expressions)
        {
            Assert.Contains(panel.GetProperty("datasource").GetProperty("uid").GetString()!, provisioned);
            string expr = target.GetProperty("expr").GetString()!;
            var names = PromQl.MetricNames(expr);
            Assert.NotEmpty(names);
            Assert.All(names, n => Assert.True(allowed.Contains(n), $"'{n}' in `{expr}` is not a metric the app exports"));
            Assert.All(PromQl.LabelNames(expr), l => Assert.True(AppContract.LabelNames.Contains(l), $"label '{l}' in `{expr}` is unknown"));
            used.UnionWith(names);
            queries++;
        }
        Assert.True(queries >= 10);
        foreach (string metric in AppContract.MetricNames)
            Assert.True(used.Contains(metric) || used.Contains(metric.Replace("_bucket", "_count")) || used.Contains(metric.Replace("_bucket", "_sum")),
                $"no panel shows {metric}");

        foreach (var variable in dashboard.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray())
        {
            string query = variable.GetProperty("query").GetProperty("query").GetString()!;
            string inner = query["label_values(".Length..query.LastIndexOf(',')];
            Assert.Subset(allowed, PromQl.MetricNames(inner));
        }
    }

    [Fact]
    public void PromQl_metric_extraction_finds_series_not_functions_labels_or_keywords()
    {
        // The checker above is only as good as this extraction.
        const string expr = "histogram_quantile(0.95, sum by (le, phase) (rate(a_bucket{job=~\"$job\",x=\"y(z)\"}[$__rate_interval]))) / on (instance) b_total or vector(0) > bool 1e3";
        Assert.Equal(new HashSet<string> { "a_bucket", "b_total" }, PromQl.MetricNames(expr));
        Assert.Equal(new HashSet<string> { "le", "phase", "instance", "job", "x" }, PromQl.LabelNames(expr));
    }
}
