namespace Zuna.Api.Tests.Deploy;

/// <summary>
/// The names the deployment files rely on: settings the app binds, HTTP paths and port, and the
/// Prometheus metric names. Setting keys come from the options types; paths, port and metric names
/// are the service's published contract, checked against the running app by the Api tests.
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

    /// <summary>
    /// Configuration keys (as environment variables) that the app's options bind, read from the options types
    /// themselves so a renamed or new setting cannot drift from the deployment files unnoticed.
    /// </summary>
    public static readonly HashSet<string> SettingKeys = BoundKeys();

    private static HashSet<string> BoundKeys()
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var section in typeof(Zuna.Api.Options.ZunaOptions).GetProperties())
            foreach (var setting in section.PropertyType.GetProperties())
                keys.Add(setting.PropertyType.IsArray
                    ? $"{Zuna.Api.Options.ZunaOptions.Section}__{section.Name}__{setting.Name}__0"
                    : $"{Zuna.Api.Options.ZunaOptions.Section}__{section.Name}__{setting.Name}");
        return keys;
    }

    /// <summary>Other environment variables the app or its libraries read.</summary>
    public static readonly HashSet<string> StandardVariables =
    [
        "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME",
        "HF_HOME", "HF_TOKEN", "HF_ENDPOINT", "HF_HUB_OFFLINE",
        "ASPNETCORE_HTTP_PORTS", "NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES",
        "DOTNET_CLI_TELEMETRY_OPTOUT", "HOME", "MALLOC_ARENA_MAX",
    ];

    /// <summary>Allowed values of the enumerated settings.</summary>
    public static readonly Dictionary<string, string[]> EnumeratedValues = new()
    {
        ["Zuna__Model__Device"] = ["auto", "cpu", "cuda"],
        ["Zuna__Model__Dtype"] = ["auto", "float32", "bfloat16"],
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
