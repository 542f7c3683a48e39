using Zuna.Api.Cli.Figures;
using Zuna.Engine.Input;

namespace Zuna.Api.Cli.Folder;

/// <summary>
/// Handed to a verb's read step: times the reader's phases ("parse", "preprocess") for the timing chart, tells the
/// progress display which phase the recording being read ahead is in, and says where warnings go.
/// </summary>
internal sealed class FolderPhases(PhaseTimes times, TextWriter log, Action<string> started) : IPhaseTimer
{
    /// <summary>Where the reader's warnings (dropped channels, repaired headers) go: the display's log.</summary>
    public TextWriter Log { get; } = log;

    public IDisposable Measure(string phase)
    {
        started(phase);
        return times.Measure(phase);
    }
}
