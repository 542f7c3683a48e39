using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Zuna.Api.Telemetry;

/// <summary>
/// The service's spans (ActivitySource "Zuna") and instruments (Meter "Zuna"). Exported by OpenTelemetry:
/// OTLP when an endpoint is configured, and Prometheus at /metrics (zuna_phase_duration_seconds, …).
/// </summary>
public sealed class ZunaTelemetry : IDisposable
{
    public const string Name = "Zuna";

    public static readonly ActivitySource Source = new(Name, ThisAssembly.Version);

    /// <summary>From 5 ms to 5 min: a tiny-model request on a GPU up to a long CPU reconstruction.</summary>
    public static readonly double[] SecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
    private static readonly int[] EpochBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256];

    private readonly Meter _meter;

    public ZunaTelemetry(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(Name, ThisAssembly.Version);
        PhaseDuration = _meter.CreateHistogram<double>("zuna.phase.duration", "s",
            "Time spent in one phase of a request (tag phase: parse, preprocess, queue, encode, decode, serialize).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        RequestDuration = _meter.CreateHistogram<double>("zuna.request.duration", "s",
            "End-to-end time of an inference request (tags operation, outcome).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        InFlight = _meter.CreateUpDownCounter<long>("zuna.requests.inflight", "{request}",
            "Inference requests being served (sync requests and running jobs).");
        Rejected = _meter.CreateCounter<long>("zuna.requests.rejected", "{request}",
            "Requests refused before inference (tag reason: queue_full, too_large, unsupported_media_type, invalid_input, invalid_option, not_ready, deadline, unauthorized, rate_limited).");
        BatchEpochs = _meter.CreateHistogram<int>("zuna.batch.epochs", "{epoch}",
            "Epochs per forward pass of the inference worker.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = EpochBuckets });
        ClaimLatency = _meter.CreateHistogram<double>("zuna.jobs.claim.latency", "s",
            "Time a job waited in the job store's queue before a replica claimed it.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        Requeued = _meter.CreateCounter<long>("zuna.jobs.requeued", "{job}",
            "Jobs put back in the queue because the replica running them stopped renewing its lease (crash, kill).");
        ExpiredResults = _meter.CreateCounter<long>("zuna.jobs.results.expired", "{result}",
            "Job results removed by retention (tag reason: ttl, size_cap).");
    }

    public Histogram<double> PhaseDuration { get; }
    public Histogram<double> ClaimLatency { get; }
    public Counter<long> Requeued { get; }
    public Counter<long> ExpiredResults { get; }

    /// <summary>Registers zuna_jobs{state}; the job sweeper refreshes the counts from the store.</summary>
    public void ObserveJobs(Func<IEnumerable<Measurement<long>>> counts) =>
        _meter.CreateObservableGauge("zuna.jobs", counts, "{job}", "Jobs in the job store per state (tag state).");

    public void RecordClaim(double seconds) => ClaimLatency.Record(seconds);

    public void RecordExpiredResults(int count, string reason) =>
        ExpiredResults.Add(count, new KeyValuePair<string, object?>("reason", reason));
    public Histogram<double> RequestDuration { get; }
    public UpDownCounter<long> InFlight { get; }
    public Counter<long> Rejected { get; }
    public Histogram<int> BatchEpochs { get; }

    /// <summary>Registers the queue-depth gauge; the model host owns the number.</summary>
    public void ObserveQueueDepth(Func<int> depth) =>
        _meter.CreateObservableGauge("zuna.queue.depth", depth, "{request}", "Requests waiting for the inference worker.");

    public void RecordPhase(string phase, double seconds) =>
        PhaseDuration.Record(seconds, new KeyValuePair<string, object?>("phase", phase));

    public void RecordRejected(string reason) =>
        Rejected.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Dispose() => _meter.Dispose();
}

internal static class ThisAssembly
{
    public static readonly string Version =
        typeof(ThisAssembly).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
