using Microsoft.Extensions.Options;

namespace Zuna.Api.Options;

/// <summary>
/// Everything the service reads from the "Zuna" configuration section (appsettings, env vars such as
/// <c>Zuna__Model__Path</c>, or the command line). Validated once at start-up (see <see cref="ZunaOptionsValidator"/>).
/// </summary>
public sealed record ZunaOptions
{
    public const string Section = "Zuna";

    public ModelOptions Model { get; set; } = new();
    public QueueOptions Queue { get; set; } = new();
    public BatchingOptions Batching { get; set; } = new();
    public LimitsOptions Limits { get; set; } = new();
    public JobsOptions Jobs { get; set; } = new();
    public AuthOptions Auth { get; set; } = new();
    public TelemetryOptions Telemetry { get; set; } = new();
    public ExposureOptions Exposure { get; set; } = new();
    public ConnectionOptions Connections { get; set; } = new();
}

public sealed record ModelOptions
{
    /// <summary>Directory holding config.json + model.safetensors. Empty: resolve <see cref="RepoId"/> from the Hugging Face cache or download it.</summary>
    public string Path { get; set; } = "";
    /// <summary>auto (CUDA when present, else CPU), cpu or cuda.</summary>
    public string Device { get; set; } = "auto";
    /// <summary>
    /// auto (default: bfloat16 only where a start-up probe, cached per machine, finds its matmuls clearly faster than
    /// float32 on this device), float32 or bfloat16. /v1/info's model.dtypeReason says what auto chose and why.
    /// </summary>
    public string Dtype { get; set; } = "auto";
    public string RepoId { get; set; } = Zuna.Engine.Hub.HubOptions.DefaultRepoId;
    public string Revision { get; set; } = "main";
    /// <summary>libtorch intra-op threads; 0 keeps libtorch's default.</summary>
    public int Threads { get; set; }
    /// <summary>
    /// Stop the process with exit code 1 when the model cannot be loaded, so an orchestrator restarts it (or shows the
    /// crash) instead of a process that stays live but never ready. False keeps it running in the failed state.
    /// </summary>
    public bool ExitOnLoadFailure { get; set; } = true;
}

public sealed record QueueOptions
{
    /// <summary>Requests (sync or job) that may wait for the inference worker; one more is answered 429.</summary>
    public int Capacity { get; set; } = 64;
}

public sealed record BatchingOptions
{
    /// <summary>Most epochs in one forward pass; requests with the same channel layout share it.</summary>
    public int MaxBatchEpochs { get; set; } = 16;
    /// <summary>How long a batch that is not yet full waits for compatible requests. 0 turns cross-request batching off.</summary>
    public int MaxBatchDelayMs { get; set; } = 5;
}

public sealed record LimitsOptions
{
    public long MaxUploadBytes { get; set; } = 512L * 1024 * 1024;
    /// <summary>Deadline of a synchronous request, queue wait and compute included; past it the answer is 504.</summary>
    public int RequestTimeoutSeconds { get; set; } = 300;
    /// <summary>How long in-flight work may run after SIGTERM before it is cancelled.</summary>
    public int ShutdownTimeoutSeconds { get; set; } = 30;
    /// <summary>Upper bound for the diffusion steps a client may ask for.</summary>
    public int MaxSteps { get; set; } = 200;
}

public sealed record JobsOptions
{
    /// <summary>sqlite (default: one machine, nothing to install), postgres (replicas sharing one queue), or memory (tests: not durable).</summary>
    public string Store { get; set; } = "sqlite";
    /// <summary>SQLite: where jobs.db (jobs, uploads and results) lives; relative to the working directory. The image uses /data/jobs.</summary>
    public string Directory { get; set; } = "data/jobs";
    /// <summary>PostgreSQL: an Npgsql connection string, e.g. Host=db;Username=zuna;Password=…;Database=zuna.</summary>
    public string ConnectionString { get; set; } = "";
    /// <summary>How long a finished job and its result are kept.</summary>
    public int ResultTtlMinutes { get; set; } = 60;
    /// <summary>Total bytes of results the store keeps; the oldest are deleted first to make room, a larger single result fails with 413.</summary>
    public long MaxResultBytes { get; set; } = 10L * 1024 * 1024 * 1024;
    /// <summary>A claimed job's lease, renewed every third of it; a replica silent for this long loses its jobs to the queue.</summary>
    public double LeaseSeconds { get; set; } = 30;
    /// <summary>Runs per job (crashes and server errors count); then it ends failed with the reason. Input errors fail at once.</summary>
    public int MaxAttempts { get; set; } = 3;
    /// <summary>Jobs one replica runs at once; they share forward passes with each other and with synchronous requests.</summary>
    public int MaxConcurrent { get; set; } = 4;
    /// <summary>How often a replica looks for new jobs and for changes made by other replicas (status, SSE).</summary>
    public int PollMilliseconds { get; set; } = 1000;
    /// <summary>Queued jobs the store accepts; one more is answered 429.</summary>
    public int MaxQueued { get; set; } = 100_000;
    /// <summary>Recordings in one POST /v1/batches.</summary>
    public int MaxBatchItems { get; set; } = 1000;
}

public sealed record AuthOptions
{
    /// <summary>Accepted bearer tokens. Empty: no authentication.</summary>
    public string[] ApiKeys { get; set; } = [];
    /// <summary>Requests per minute per API key (per client IP when auth is off). 0: no rate limit.</summary>
    public int PermitsPerMinute { get; set; }
    /// <summary>
    /// Requests per minute per client IP, whatever the key (or none): applies to every route but the health probes,
    /// on top of the per-key limit, so one address cannot spend several keys' budgets or flood with bad keys. 0: off.
    /// </summary>
    public int PermitsPerMinutePerIp { get; set; }
}

public sealed record ExposureOptions
{
    /// <summary>Serve /openapi/v1.json and /swagger. False: both answer 404.</summary>
    public bool OpenApi { get; set; } = true;
    /// <summary>Serve the Prometheus scrape at /metrics. False: 404 (OTLP export, if configured, still runs).</summary>
    public bool Metrics { get; set; } = true;
}

/// <summary>Per-connection limits that keep slow or hostile clients from holding the server's sockets and memory.</summary>
public sealed record ConnectionOptions
{
    /// <summary>A request body arriving slower than this (after the grace period) is cut off with 408. 0: no minimum.</summary>
    public double MinRequestBodyBytesPerSecond { get; set; } = 240;
    /// <summary>A client reading its response slower than this (after the grace period) is disconnected. 0: no minimum.</summary>
    public double MinResponseBytesPerSecond { get; set; } = 240;
    /// <summary>How long a transfer may stay under the minimum rates before it is cut off (Kestrel requires more than 1 s).</summary>
    public double DataRateGraceSeconds { get; set; } = 5;
    /// <summary>Total bytes of a request's headers (Kestrel's MaxRequestHeadersTotalSize).</summary>
    public int MaxRequestHeadersBytes { get; set; } = 32 * 1024;
    /// <summary>Headers of one multipart section (its Content-Disposition and Content-Type).</summary>
    public int MaxMultipartHeadersBytes { get; set; } = 16 * 1024;
    /// <summary>Length of one url-encoded form field (a multipart part, the file included, is bounded by Zuna:Limits:MaxUploadBytes).</summary>
    public int MaxFormValueBytes { get; set; } = 64 * 1024;
    /// <summary>Number of form fields (and multipart sections) in one upload.</summary>
    public int MaxFormFields { get; set; } = 64;
}

public sealed record TelemetryOptions
{
    /// <summary>OTLP endpoint for traces and metrics. Empty: OTEL_EXPORTER_OTLP_ENDPOINT if set, else no exporter.</summary>
    public string OtlpEndpoint { get; set; } = "";
}

/// <summary>Rejects a configuration the service cannot run with, at start-up and with the key named.</summary>
public sealed class ZunaOptionsValidator : IValidateOptions<ZunaOptions>
{
    public ValidateOptionsResult Validate(string? name, ZunaOptions o)
    {
        var errors = new List<string>();
        void Require(bool ok, string message) { if (!ok) errors.Add(message); }

        Require(o.Model.Device is "auto" or "cpu" or "cuda" || o.Model.Device.StartsWith("cuda:", StringComparison.Ordinal),
            $"Zuna:Model:Device must be auto, cpu or cuda (got '{o.Model.Device}').");
        Require(o.Model.Dtype is "auto" or "float32" or "bfloat16", $"Zuna:Model:Dtype must be auto, float32 or bfloat16 (got '{o.Model.Dtype}').");
        Require(o.Model.Path.Length > 0 || o.Model.RepoId.Length > 0, "Zuna:Model:Path or Zuna:Model:RepoId must be set.");
        Require(o.Model.Threads >= 0, "Zuna:Model:Threads must be ≥ 0.");
        Require(o.Queue.Capacity >= 1, "Zuna:Queue:Capacity must be ≥ 1.");
        Require(o.Batching.MaxBatchEpochs >= 1, "Zuna:Batching:MaxBatchEpochs must be ≥ 1.");
        Require(o.Batching.MaxBatchDelayMs >= 0, "Zuna:Batching:MaxBatchDelayMs must be ≥ 0.");
        Require(o.Limits.MaxUploadBytes >= 1024, "Zuna:Limits:MaxUploadBytes must be ≥ 1024.");
        Require(o.Limits.RequestTimeoutSeconds >= 1, "Zuna:Limits:RequestTimeoutSeconds must be ≥ 1.");
        Require(o.Limits.ShutdownTimeoutSeconds >= 0, "Zuna:Limits:ShutdownTimeoutSeconds must be ≥ 0.");
        Require(o.Limits.MaxSteps >= 1, "Zuna:Limits:MaxSteps must be ≥ 1.");
        Require(o.Jobs.ResultTtlMinutes >= 1, "Zuna:Jobs:ResultTtlMinutes must be ≥ 1.");
        Require(o.Jobs.MaxResultBytes >= 0, "Zuna:Jobs:MaxResultBytes must be ≥ 0.");
        Require(o.Jobs.Store is "sqlite" or "postgres" or "memory", $"Zuna:Jobs:Store must be sqlite, postgres or memory (got '{o.Jobs.Store}').");
        Require(o.Jobs.Store != "postgres" || o.Jobs.ConnectionString.Length > 0, "Zuna:Jobs:ConnectionString must be set when Zuna:Jobs:Store is postgres.");
        Require(o.Jobs.Store != "sqlite" || o.Jobs.Directory.Length > 0, "Zuna:Jobs:Directory must be set when Zuna:Jobs:Store is sqlite.");
        Require(o.Jobs.LeaseSeconds >= 0.3, "Zuna:Jobs:LeaseSeconds must be ≥ 0.3.");
        Require(o.Jobs.MaxAttempts >= 1, "Zuna:Jobs:MaxAttempts must be ≥ 1.");
        Require(o.Jobs.MaxConcurrent >= 1, "Zuna:Jobs:MaxConcurrent must be ≥ 1.");
        Require(o.Jobs.PollMilliseconds >= 10, "Zuna:Jobs:PollMilliseconds must be ≥ 10.");
        Require(o.Jobs.MaxQueued >= 1, "Zuna:Jobs:MaxQueued must be ≥ 1.");
        Require(o.Jobs.MaxBatchItems >= 1, "Zuna:Jobs:MaxBatchItems must be ≥ 1.");
        Require(o.Auth.PermitsPerMinute >= 0, "Zuna:Auth:PermitsPerMinute must be ≥ 0.");
        Require(o.Auth.PermitsPerMinutePerIp >= 0, "Zuna:Auth:PermitsPerMinutePerIp must be ≥ 0.");
        Require(o.Connections.MinRequestBodyBytesPerSecond >= 0, "Zuna:Connections:MinRequestBodyBytesPerSecond must be ≥ 0.");
        Require(o.Connections.MinResponseBytesPerSecond >= 0, "Zuna:Connections:MinResponseBytesPerSecond must be ≥ 0.");
        Require(o.Connections.DataRateGraceSeconds > 1, "Zuna:Connections:DataRateGraceSeconds must be > 1 (Kestrel's minimum).");
        Require(o.Connections.MaxRequestHeadersBytes >= 1024, "Zuna:Connections:MaxRequestHeadersBytes must be ≥ 1024.");
        Require(o.Connections.MaxMultipartHeadersBytes >= 256, "Zuna:Connections:MaxMultipartHeadersBytes must be ≥ 256.");
        Require(o.Connections.MaxFormValueBytes >= 256, "Zuna:Connections:MaxFormValueBytes must be ≥ 256.");
        Require(o.Connections.MaxFormFields >= 1, "Zuna:Connections:MaxFormFields must be ≥ 1.");
        Require(o.Auth.ApiKeys.All(k => !string.IsNullOrWhiteSpace(k)), "Zuna:Auth:ApiKeys must not contain empty keys.");
        Require(o.Telemetry.OtlpEndpoint.Length == 0 || Uri.TryCreate(o.Telemetry.OtlpEndpoint, UriKind.Absolute, out _),
            $"Zuna:Telemetry:OtlpEndpoint must be an absolute URI (got '{o.Telemetry.OtlpEndpoint}').");

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
