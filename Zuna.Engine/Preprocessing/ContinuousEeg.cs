using Zuna.Engine.Fif;
using Zuna.Engine.Montage;

namespace Zuna.Engine.Preprocessing;

/// <summary>
/// The continuous 256-Hz EEG after high-pass, average reference and zeroing of the user's bad channels (volts, double,
/// one array per channel): the input of the global z-score. <see cref="Annotations"/> have onsets relative to sample 0
/// of <see cref="Data"/> at 256 Hz. <see cref="IsGood"/> is false for the recording's own bad channels.
/// </summary>
public sealed record ContinuousEeg(
    double[][] Data,
    string[] ChannelNames,
    Position3[] Positions,
    bool[] IsGood,
    int[] UserBad,
    IReadOnlyList<FifAnnotation> Annotations)
{
    /// <summary>What the reader and the channel rule want the user to know (dropped channels, repaired headers).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
