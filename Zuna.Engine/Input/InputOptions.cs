using Zuna.Engine.Input.Arrays;
using Zuna.Engine.Preprocessing;

namespace Zuna.Engine.Input;

/// <summary>
/// What a caller may change about how a recording becomes model input: the preprocessing chain's options (bad channels
/// among them) and electrodes to add. The same for the CLI, the synchronous endpoints and jobs.
/// </summary>
public sealed record InputOptions(PreprocessOptions Preprocess, TargetChannels Targets)
{
    public static InputOptions Default { get; } = new(PreprocessOptions.Default, TargetChannels.None);

    /// <summary>Sample rate and units of plain arrays (CSV/TSV, .npy, safetensors arrays); an error for other formats.</summary>
    public ArrayOptions Arrays { get; init; } = ArrayOptions.None;

    public IReadOnlyList<string> BadChannels => Preprocess.BadChannels;
}

/// <summary>Times the phases of reading an input ("parse", "preprocess"); the service turns them into spans and metrics.</summary>
public interface IPhaseTimer
{
    IDisposable Measure(string phase);
}
