using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Zuna.Api.Telemetry;

/// <summary>
/// Times the phases of one request: each phase is a span under ActivitySource "Zuna", a
/// zuna.phase.duration sample, and an entry of the Server-Timing response header.
/// </summary>
public sealed class PhaseTimer(ZunaTelemetry telemetry) : Zuna.Engine.Input.IPhaseTimer
{
    private readonly List<(string Phase, double Seconds)> _phases = [];
    private readonly Lock _gate = new();
    private readonly long _created = Stopwatch.GetTimestamp();

    /// <summary>Seconds since the timer was created (at the start of the request).</summary>
    public double Elapsed => Stopwatch.GetElapsedTime(_created).TotalSeconds;

    public IReadOnlyList<(string Phase, double Seconds)> Phases
    {
        get { lock (_gate) return _phases.ToArray(); }
    }

    /// <summary>Starts a phase; dispose the result to end it.</summary>
    public Scope Measure(string phase) => new(this, phase, ZunaTelemetry.Source.StartActivity(phase));

    IDisposable Zuna.Engine.Input.IPhaseTimer.Measure(string phase) => Measure(phase);

    /// <summary>Adds a phase measured elsewhere: a span of its own is not made, the histogram and the header get it.</summary>
    public void Add(string phase, double seconds)
    {
        AddToHeader(phase, seconds);
        telemetry.RecordPhase(phase, seconds);
    }

    /// <summary>
    /// Adds a phase to the Server-Timing header only, for time the histogram already has: the inference worker
    /// records queue, encode and decode itself (per batch), so recording this request's share again would count it twice.
    /// </summary>
    public void AddToHeader(string phase, double seconds)
    {
        lock (_gate) _phases.Add((phase, seconds));
    }

    /// <summary>The Server-Timing header value: <c>parse;dur=1.2, preprocess;dur=30.5</c> (milliseconds).</summary>
    public string ServerTimingHeader()
    {
        var header = new StringBuilder();
        foreach (var (phase, seconds) in Phases)
        {
            if (header.Length > 0) header.Append(", ");
            header.Append(phase).Append(";dur=").Append((seconds * 1000).ToString("0.###", CultureInfo.InvariantCulture));
        }
        return header.ToString();
    }

    public readonly struct Scope(PhaseTimer owner, string phase, Activity? activity) : IDisposable
    {
        private readonly long _start = Stopwatch.GetTimestamp();

        public void Dispose()
        {
            activity?.Dispose();
            owner.Add(phase, Stopwatch.GetElapsedTime(_start).TotalSeconds);
        }
    }
}
