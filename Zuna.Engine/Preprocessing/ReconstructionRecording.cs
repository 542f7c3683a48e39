using Zuna.Engine.Fif;

namespace Zuna.Engine.Preprocessing;

/// <summary>
/// A reconstruction [E, C, T] in z-units turned back into a continuous recording in volts, as zuna.pt_to_fif does:
/// epochs concatenated, x·σ + μ with the recording's global statistics, EEG channels at 256 Hz with positions.
/// The per-epoch baseline is not restored (the original does not either), so expect steps at epoch boundaries.
/// </summary>
public static class ReconstructionRecording
{
    private const int CoilEeg = 1, UnitVolt = 107, CoordHead = 4;

    public static RawRecording ToVolts(Preprocessed input, float[] reconstruction)
    {
        int e = input.EpochCount, c = input.ChannelCount, t = input.EpochSamples;
        if (reconstruction.Length != (long)e * c * t)
            throw new ArgumentException($"reconstruction holds {reconstruction.Length} values, expected {e}×{c}×{t}.", nameof(reconstruction));
        var data = new float[c][];
        for (int ch = 0; ch < c; ch++)
        {
            var channel = data[ch] = new float[e * t];
            for (int ep = 0; ep < e; ep++)
            {
                var source = reconstruction.AsSpan((ep * c + ch) * t, t);
                for (int i = 0; i < t; i++)
                    channel[ep * t + i] = (float)(source[i] * input.GlobalStd + input.GlobalMean);
            }
        }
        var channels = Enumerable.Range(0, c).Select(ch => new FifChannel(
            Name: input.ChannelNames[ch], ScanNumber: ch + 1, LogicalNumber: ch + 1, Kind: (int)FifChannelKind.Eeg,
            Range: 1f, Cal: 1f, CoilType: CoilEeg,
            Location: [input.ChannelPositions[ch * 3], input.ChannelPositions[ch * 3 + 1], input.ChannelPositions[ch * 3 + 2], 0, 0, 0, 0, 0, 0, 0, 0, 0],
            Unit: UnitVolt, UnitMultiplier: 0, CoordFrame: CoordHead)).ToList();
        return new RawRecording
        {
            Channels = channels,
            SampleRate = Preprocessed.SampleRate,
            SampleCount = e * t,
            Data = data,
            Source = "zuna reconstruction",
        };
    }
}
