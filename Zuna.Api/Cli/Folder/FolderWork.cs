using Zuna.Api.Cli.Figures;

namespace Zuna.Api.Cli.Folder;

/// <summary>
/// What a verb's per-recording step gets besides its input: the temporary file to write, the recording's phase times
/// (for the timing chart), where warnings go, and <see cref="Report"/> for the progress display.
/// </summary>
internal sealed class FolderWork(string temporary, PhaseTimes times, TextWriter log, Action<string, double> report)
{
    /// <summary>Write the output here; the folder run renames it when the step returns.</summary>
    public string Temporary { get; } = temporary;

    public PhaseTimes Times { get; } = times;

    public TextWriter Log { get; } = log;

    /// <summary>The recording is in <paramref name="phase"/> with <paramref name="fraction"/> (0–1) of its model work done.</summary>
    public void Report(string phase, double fraction) => report(phase, Math.Clamp(fraction, 0, 1));
}
