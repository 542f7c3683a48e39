namespace Zuna.Api.Tests.Deploy;

/// <summary>
/// The names the deployment files rely on: settings the app binds, HTTP paths and port, and the
/// Prometheus metric names. For now this is the fixed list agreed in the deployment issue; when
/// the service code publishes one source of truth for its option keys and meter instruments,
/// these sets should be read from there instead of repeated here.
/// </summary>
internal static class AppContract
{
    public const int HttpPort = 8080;
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";
    public const string MetricsPath = "/metrics";
    public const string HfHome = "/data/huggingface";
    public const string ExecutablePath = "/app/zuna";
    /// <summary>UID of the non-root `app` user of the mcr.microsoft.com/dotnet images ($APP_UID).</summary>
    public const long AppUid = 1654;

    /// <summary>Configuration keys (as environment variables) that the app's options bind.</summary>
    public static readonly HashSet<string> SettingKeys =
    [
        "Zuna__Model__Path", "Zuna__Model__Device", "Zuna__Model__Dtype", "Zuna__Model__RepoId",
        "Zuna__Model__Revision", "Zuna__Model__Threads",
        "Zuna__Queue__Capacity",
        "Zuna__Batching__MaxBatchEpochs", "Zuna__Batching__MaxBatchDelayMs",
        "Zuna__Limits__MaxUploadBytes", "Zuna__Limits__RequestTimeoutSeconds", "Zuna__Limits__ShutdownTimeoutSeconds",
        "Zuna__Jobs__ResultTtlMinutes", "Zuna__Jobs__MaxResultBytes",
        "Zuna__Auth__ApiKeys__0", "Zuna__Auth__PermitsPerMinute",
        "Zuna__Telemetry__OtlpEndpoint",
    ];

    /// <summary>Other environment variables the app or its libraries read.</summary>
    public static readonly HashSet<string> StandardVariables =
    [
        "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME",
        "HF_HOME", "HF_TOKEN", "HF_ENDPOINT", "HF_HUB_OFFLINE",
        "ASPNETCORE_HTTP_PORTS", "NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES",
        "DOTNET_CLI_TELEMETRY_OPTOUT", "HOME",
    ];

    /// <summary>Allowed values of the enumerated settings.</summary>
    public static readonly Dictionary<string, string[]> EnumeratedValues = new()
    {
        ["Zuna__Model__Device"] = ["auto", "cpu", "cuda"],
        ["Zuna__Model__Dtype"] = ["float32", "bfloat16"],
    };

    /// <summary>Series names the OpenTelemetry Prometheus exporter produces from Meter "Zuna" and ASP.NET Core.</summary>
    public static readonly HashSet<string> MetricNames =
    [
        "zuna_phase_duration_seconds_bucket", "zuna_request_duration_seconds_bucket", "zuna_queue_depth",
        "zuna_requests_inflight", "zuna_requests_rejected_total", "zuna_batch_epochs_bucket",
        "http_server_request_duration_seconds_bucket",
    ];

    /// <summary>Label names the dashboards and autoscalers may group or filter by.</summary>
    public static readonly HashSet<string> LabelNames =
    [
        "phase", "operation", "outcome", "reason", "le", "job", "instance", "namespace", "pod",
        "http_route", "http_response_status_code", "http_request_method",
    ];

    /// <summary>The metric names plus the _sum and _count series every Prometheus histogram also exposes.</summary>
    public static HashSet<string> QueryableSeries()
    {
        var all = new HashSet<string>(MetricNames);
        foreach (string name in MetricNames.Where(n => n.EndsWith("_bucket", StringComparison.Ordinal)))
        {
            string stem = name[..^"_bucket".Length];
            all.Add(stem + "_sum");
            all.Add(stem + "_count");
        }
        return all;
    }

    /// <summary>True for a Zuna__ key the app binds (array settings accept any index).</summary>
    public static bool IsBoundSetting(string key) =>
        SettingKeys.Contains(key) ||
        System.Text.RegularExpressions.Regex.IsMatch(key, @"^Zuna__Auth__ApiKeys__\d+$");

    public static bool IsKnownVariable(string key) => IsBoundSetting(key) || StandardVariables.Contains(key);
}
