namespace Zuna.Engine.Repair;

/// <summary>
/// What the model has to do for one recording: the prepared recording, its repair mask on the token grid and the
/// normalised windows (docs/zuna11.md §5.3). Windows of L = <see cref="RepairOptions.WindowSamples"/> samples start at
/// 0, L, 2L, …; the last one is cut to whole tokens (skipped if shorter than one), so the output covers
/// <see cref="OutputSamples"/> = 32·⌊N/32⌋ samples.
/// </summary>
public sealed record RepairPlan(PreparedRecording Prepared, RepairOptions Options, bool[][] Mask, IReadOnlyList<RepairWindow> Windows)
{
    public int OutputSamples => Windows.Count == 0 ? 0 : Windows[^1].End;

    public static RepairPlan Create(PreparedRecording prepared, RepairOptions options)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        ArgumentNullException.ThrowIfNull(options);
        int n = prepared.SampleCount, length = options.WindowSamples, tokenSamples = RepairMask.TokenSamples;
        if (n < tokenSamples)
            throw new InvalidRecordingException($"{prepared.Source}: {n} samples at 256 Hz is shorter than one {tokenSamples}-sample token.");
        var mask = RepairMask.Build(prepared, options);
        var windows = new List<RepairWindow>();
        for (int start = 0; start < n; start += length)
        {
            int samples = (Math.Min(start + length, n) - start) / tokenSamples * tokenSamples;
            if (samples < tokenSamples) continue;
            int tc = samples / tokenSamples, first = start / tokenSamples;
            var windowMask = new bool[prepared.ChannelCount * tc];
            for (int c = 0; c < prepared.ChannelCount; c++)
                Array.Copy(mask[c], first, windowMask, c * tc, tc);
            windows.Add(WindowNormalisation.Normalise(prepared, windows.Count, start, samples, windowMask));
        }
        return new RepairPlan(prepared, options, mask, windows);
    }

    /// <summary>
    /// Windows that can share a model batch: consecutive windows of equal length (all full windows together, the
    /// shorter last one alone), in groups of at most <paramref name="maxBatch"/>.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<RepairWindow>> Batches(int maxBatch = int.MaxValue)
    {
        var result = new List<IReadOnlyList<RepairWindow>>();
        foreach (var group in Windows.GroupBy(w => w.Samples))
            result.AddRange(group.Chunk(Math.Max(1, maxBatch)));
        return result;
    }
}
