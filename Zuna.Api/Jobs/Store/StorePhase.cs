using System.Diagnostics;
using Zuna.Api.Telemetry;

namespace Zuna.Api.Jobs.Store;

/// <summary>
/// Times one step of the job store (a span, and a zuna_phase_duration_seconds sample tagged <c>phase="job_…"</c>), so the
/// time a durable store adds to a job can be split into upload write, row insert, commit, claim, result write and
/// status read, on a live server and in bench/jobs.
/// </summary>
internal readonly struct StorePhase : IDisposable
{
    private readonly ZunaTelemetry _telemetry;
    private readonly string _phase;
    private readonly Activity? _activity;
    private readonly long _start;

    public StorePhase(ZunaTelemetry telemetry, string phase)
    {
        _telemetry = telemetry;
        _phase = phase;
        _activity = ZunaTelemetry.Source.StartActivity(phase);
        _start = Stopwatch.GetTimestamp();
    }

    public void Dispose()
    {
        _activity?.Dispose();
        _telemetry.RecordPhase(_phase, Stopwatch.GetElapsedTime(_start).TotalSeconds);
    }
}
