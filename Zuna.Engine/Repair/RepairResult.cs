using Zuna.Engine.Fif;

namespace Zuna.Engine.Repair;

/// <summary>
/// A repaired recording (docs/zuna11.md §5.6), every array row-major [C, N] at 256 Hz in volts with N = 32·⌊N_in/32⌋:
/// <see cref="Full"/> is the model's output everywhere, <see cref="Hybrid"/> the recording with only the masked cells
/// replaced (seams corrected), <see cref="Mask"/> 1 where a cell was repaired. <see cref="Annotations"/> (one
/// ZUNA1.1_infilled per repaired span, onset from the first output sample) and <see cref="Bads"/> (the prepared bads
/// minus channels repaired over their whole length) go into both outputs.
/// </summary>
public sealed record RepairResult(
    PreparedRecording Prepared,
    int SampleCount,
    float[] Full,
    float[] Hybrid,
    byte[] Mask,
    IReadOnlyList<FifAnnotation> Annotations,
    IReadOnlyList<string> Bads,
    double HighPassHz)
{
    public string[] ChannelNames => Prepared.ChannelNames;
    public int ChannelCount => Prepared.ChannelCount;

    /// <summary>The prepared (resampled, filtered) signal over the output's samples, [C, N] row-major (a copy).</summary>
    public float[] PreparedSignal()
    {
        var result = new float[ChannelCount * SampleCount];
        for (int c = 0; c < ChannelCount; c++) Prepared.Data[c].AsSpan(0, SampleCount).CopyTo(result.AsSpan(c * SampleCount));
        return result;
    }
}
