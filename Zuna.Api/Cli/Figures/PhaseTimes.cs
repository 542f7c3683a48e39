using System.Diagnostics;

namespace Zuna.Api.Cli.Figures;

/// <summary>Wall time of each phase of a verb (load input, load model, model, write), in order, for the timing chart.</summary>
public sealed class PhaseTimes
{
    private readonly List<(string Phase, TimeSpan Time)> _phases = [];

    public IReadOnlyList<(string Phase, TimeSpan Time)> Phases => _phases;

    /// <summary>Times the phase until the returned handle is disposed.</summary>
    public IDisposable Measure(string phase) => new Lap(this, phase, Stopwatch.GetTimestamp());

    public void Add(string phase, TimeSpan time) => _phases.Add((phase, time));

    private sealed class Lap(PhaseTimes owner, string phase, long start) : IDisposable
    {
        public void Dispose() => owner.Add(phase, Stopwatch.GetElapsedTime(start));
    }
}
