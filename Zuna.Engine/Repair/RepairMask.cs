namespace Zuna.Engine.Repair;

/// <summary>
/// Which (channel, token) cells are repaired (docs/zuna11.md §5.4) on the recording's token grid: token k holds samples
/// 32k … 32k+31 (windows start at multiples of 32, so window token grids are slices of it). A cell is masked when its
/// channel is bad (file bads, repair channels, added electrodes), when a BAD* annotation overlaps it by more than
/// <see cref="RepairOptions.BadTokenOverlap"/>·32 samples (only on the annotation's channels when it names any), or when
/// more than that fraction of its samples is in a manual bad segment.
/// </summary>
public static class RepairMask
{
    public const int TokenSamples = 32;

    /// <returns>[channel][token], tokens = ⌊N/32⌋.</returns>
    public static bool[][] Build(PreparedRecording prepared, RepairOptions options)
    {
        int channels = prepared.ChannelCount, tokens = prepared.SampleCount / TokenSamples;
        double threshold = options.BadTokenOverlap * TokenSamples;
        var mask = new bool[channels][];
        for (int c = 0; c < channels; c++)
        {
            mask[c] = new bool[tokens];
            if (prepared.Bads.Contains(prepared.ChannelNames[c])) Array.Fill(mask[c], true);
        }

        if (options.UseFifAnnotations)
        {
            foreach (var a in prepared.Annotations)
            {
                if (!a.Description.ToUpperInvariant().StartsWith("BAD", StringComparison.Ordinal)) continue;
                long start = (long)Math.Round(a.Onset * PreparedRecording.SampleRate, MidpointRounding.ToEven);
                long stop = (long)Math.Round((a.Onset + a.Duration) * PreparedRecording.SampleRate, MidpointRounding.ToEven);
                if (stop <= start) continue;
                int[] rows = a.ChannelNames.Count == 0
                    ? [.. Enumerable.Range(0, channels)]
                    : [.. Enumerable.Range(0, channels).Where(c => a.ChannelNames.Contains(prepared.ChannelNames[c]))];
                for (long k = Math.Max(0, start / TokenSamples); k < tokens && k * TokenSamples < stop; k++)
                {
                    long overlap = Math.Min(stop, (k + 1) * TokenSamples) - Math.Max(start, k * TokenSamples);
                    if (overlap > threshold)
                        foreach (int c in rows) mask[c][k] = true;
                }
            }
        }

        if (prepared.ExternalMask is { } external)
        {
            for (int c = 0; c < channels; c++)
            for (int k = 0; k < tokens; k++)
            {
                int bad = 0;
                for (int i = k * TokenSamples; i < (k + 1) * TokenSamples; i++) if (external[c][i]) bad++;
                if ((double)bad / TokenSamples > options.BadTokenOverlap) mask[c][k] = true;
            }
        }
        return mask;
    }
}
