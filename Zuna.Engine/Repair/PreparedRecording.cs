using Zuna.Engine.Fif;

namespace Zuna.Engine.Repair;

/// <summary>
/// A recording made ready for repair (docs/zuna11.md §5.2): EEG channels with positions, 256 Hz, high-passed, added
/// electrodes appended as zero rows. <see cref="Data"/> is [C][N] volts in float32, as the original windows it.
/// <see cref="Bads"/> are the file's bad channels, the repair channels and the added ones (each masked whole);
/// <see cref="Annotations"/> count seconds from sample 0 at 256 Hz; <see cref="ExternalMask"/> [C][N] holds the manual
/// bad segments on this grid (null when none were given).
/// </summary>
public sealed record PreparedRecording(
    float[][] Data,
    string[] ChannelNames,
    float[] Positions,
    bool[] IsUpsampled,
    IReadOnlyList<string> Bads,
    IReadOnlyList<FifAnnotation> Annotations,
    bool[][]? ExternalMask,
    DateTimeOffset? MeasurementDate,
    string Source)
{
    public const double SampleRate = 256.0;

    public int ChannelCount => Data.Length;
    public int SampleCount => Data.Length == 0 ? 0 : Data[0].Length;

    /// <summary>Names of the added electrodes, in output order.</summary>
    public IReadOnlyList<string> UpsampledChannels => [.. ChannelNames.Where((_, c) => IsUpsampled[c])];
}
