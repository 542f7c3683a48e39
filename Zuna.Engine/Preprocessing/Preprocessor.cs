using Zuna.Engine.Fif;
using Zuna.Engine.Montage;
using Zuna.Engine.Signal;

namespace Zuna.Engine.Preprocessing;

/// <summary>
/// The ZUNA preprocessing chain (zuna.preprocessing(), raw path, MNE 1.3 numerics): EEG channels with positions →
/// resample to 256 Hz → 0.5 Hz FIR high-pass → average reference → zero user bad channels → global z-score →
/// 5-s epochs (BAD_* epochs dropped) → per-epoch channel mean removal. Works channel by channel in double.
/// </summary>
public static class Preprocessor
{
    /// <summary>
    /// Runs the chain. Split recordings (<see cref="RawRecording.PartSampleCounts"/> with several entries) are
    /// resampled part by part, as MNE does.
    /// </summary>
    public static Preprocessed Run(RawRecording raw, PreprocessOptions options)
    {
        var continuous = RunContinuous(raw, options);
        var annotations = continuous.Annotations;
        var epochs = Epoch(continuous, options, raw.SampleRate, out var starts);
        // After resampling the 256-Hz signal can pass nothing above 128 Hz; the high-pass, when applied, is ZUNA's 0.5 Hz.
        double lowPass = Math.Min(raw.LowPass > 0 ? raw.LowPass : raw.SampleRate / 2, Stages.TargetRate / 2);
        return epochs with
        {
            Origin = new RecordingOrigin(raw.MeasurementDate, Stages.ResampledFirstSample(raw.FirstSample, raw.SampleRate), annotations,
                raw.DigPoints, options.HighPass ? Stages.HighPassFrequency : raw.HighPass, lowPass, options.AverageReference, raw.LineFrequency, starts),
        };
    }

    /// <summary>
    /// The continuous part of the chain: channel selection, resampling to 256 Hz, high-pass, average reference and
    /// zeroing of the user's bad channels; the result is the input of the global z-score (volts, double).
    /// </summary>
    public static ContinuousEeg RunContinuous(RawRecording raw, PreprocessOptions options)
    {
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        IReadOnlyList<int>? partLengths = raw.PartSampleCounts.Count > 1 ? raw.PartSampleCounts : null;
        if (partLengths is not null && partLengths.Sum() != raw.SampleCount)
            throw new InvalidRecordingException($"{raw.Source}: split parts add up to {partLengths.Sum()} samples, not {raw.SampleCount}.");

        var selection = ChannelSelection.Select(raw);
        int channelCount = selection.Indices.Length;
        string[] names = selection.Indices.Select(i => raw.Channels[i].Name).ToArray();
        int[] userBad = ResolveBadChannels(names, options.BadChannels);
        var badSet = new HashSet<string>(raw.BadChannels, StringComparer.Ordinal);
        bool[] isGood = names.Select(n => !badSet.Contains(n)).ToArray();

        double rateIn = raw.SampleRate;
        int n = Stages.ResampledLength(raw.SampleCount, rateIn, partLengths);
        if (n < options.EpochSamples)
            throw new InvalidRecordingException($"the recording lasts {n / Stages.TargetRate:0.###} s at 256 Hz, shorter than one {options.EpochSamples / Stages.TargetRate:0.###}-s epoch.");

        // Annotation onsets are relative to the first sample at the input rate; MNE re-derives sample indices from
        // absolute times and the resampled first_samp, which can differ from plain scaling by a fraction of a sample.
        long firstOut = Stages.ResampledFirstSample(raw.FirstSample, rateIn);
        double onsetOffset = raw.FirstSample / rateIn - firstOut / Stages.TargetRate;
        var segments = Stages.FilterSegments(n, Stages.TargetRate, raw.Annotations, onsetOffset);
        var filter = options.HighPass ? Stages.CreateHighPass() : null;

        // Channel by channel: widen to double, resample, high-pass. Peak extra memory is one 256-Hz double copy plus
        // each worker's scratch (reused from channel to channel: fresh large arrays cost page faults on every touch).
        // Channels run side by side on all cores, long ones too: since their transforms work in place in reused buffers,
        // two at a time beat one at a time with libtorch threading each transform (1 h × 64 ch at 1 kHz: 3.5 s vs
        // 4.1–4.3 s, +150 MB peak for the second worker's scratch).
        var data = new double[channelCount][];
        int parallelism = Environment.ProcessorCount;
        // Scratch objects are handed from channel to channel through a bag (at most one per running worker):
        // Parallel.For's localInit would run again each time the loop replaces a worker task.
        var scratches = new System.Collections.Concurrent.ConcurrentBag<SignalScratch>();
        // Short recordings: all channels resampled in one batched libtorch call (spread over the cores) first.
        double[][]? resampled = parallelism > 1 && Stages.NeedsResampling(rateIn) && raw.DoubleData is null
            ? FftResampler.ResampleAll(selection.Indices.Select(i => raw.Data[i]).ToArray(), Stages.TargetRate / rateIn, partLengths ?? [raw.SampleCount])
            : null;
        Parallel.For(0, channelCount, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, c =>
        {
            if (!scratches.TryTake(out var scratch)) scratch = new SignalScratch();
            try
            {
                int index = selection.Indices[c];
                double[] x = resampled?[c]
                    ?? (raw.DoubleData is { } precise
                        ? Stages.Resample(precise[index], rateIn, partLengths)
                        : Stages.Resample(raw.Data[index], rateIn, partLengths, scratch)); // widened to double inside
                if (filter is not null) Stages.HighPass(x, filter, segments, scratch);
                data[c] = x;
            }
            finally { scratches.Add(scratch); }
        });
        foreach (var scratch in scratches) scratch.Dispose();

        if (options.AverageReference) Stages.AverageReference(data, isGood);
        foreach (int c in userBad) Array.Clear(data[c]);
        var annotations = raw.Annotations.Select(a => a with { Onset = a.Onset + onsetOffset }).ToList();
        var warnings = raw.Warnings.ToList();
        if (selection.DroppedWarning is { } dropped) warnings.Add(dropped);
        return new ContinuousEeg(data, names, selection.Positions, isGood, userBad, annotations) { Warnings = warnings };
    }

    /// <summary>Global z-score over the good channels, fixed-length epochs (BAD_* ones dropped), per-epoch mean removal.
    /// Consumes <paramref name="continuous"/>: each channel's array is released once its epochs are written.</summary>
    public static Preprocessed Epoch(ContinuousEeg continuous, PreprocessOptions options, double sampleRateIn) =>
        Epoch(continuous, options, sampleRateIn, out _);

    private static Preprocessed Epoch(ContinuousEeg continuous, PreprocessOptions options, double sampleRateIn, out List<int> epochStarts)
    {
        var data = continuous.Data;
        int channelCount = data.Length;
        int n = data[0].Length;
        var (mean, std) = Stages.GlobalStats(data, continuous.IsGood);
        if (!(std > 0) || !double.IsFinite(std))
            throw new InvalidRecordingException(channelCount == 1
                ? $"only one EEG channel ({continuous.ChannelNames[0]}) is left, and it is flat after the average reference: there is nothing to normalise."
                : $"the EEG signal is flat after the average reference (global std {std}); is the recording flat?");

        var starts = epochStarts = Stages.EpochStarts(n, options.EpochSamples, Stages.TargetRate, continuous.Annotations);
        if (starts.Count == 0)
            throw new InvalidRecordingException("every epoch overlaps a BAD_* annotation; nothing is left to process.");

        int t = options.EpochSamples;
        var epochs = new float[(long)starts.Count * channelCount * t];
        var userBadSet = continuous.UserBad.ToHashSet();
        Parallel.For(0, channelCount, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, c =>
        {
            double[] x = data[c];
            if (!userBadSet.Contains(c))
            {
                for (int e = 0; e < starts.Count; e++)
                {
                    var window = x.AsSpan(starts[e], t);
                    // z-score, then subtract this epoch's mean (epochs.apply_baseline((None, None))).
                    double sum = 0;
                    for (int i = 0; i < t; i++) { double z = (window[i] - mean) / std; window[i] = z; sum += z; }
                    double epochMean = sum / t;
                    var target = epochs.AsSpan((e * channelCount + c) * t, t);
                    for (int i = 0; i < t; i++) target[i] = (float)(window[i] - epochMean);
                }
            }
            data[c] = null!; // release this channel's double copy as soon as its epochs are written
        });

        var positions = new float[channelCount * 3];
        for (int c = 0; c < channelCount; c++)
        {
            positions[3 * c] = (float)continuous.Positions[c].X;
            positions[3 * c + 1] = (float)continuous.Positions[c].Y;
            positions[3 * c + 2] = (float)continuous.Positions[c].Z;
        }
        return new Preprocessed(epochs, starts.Count, channelCount, t, positions, continuous.ChannelNames, sampleRateIn, mean, std)
        {
            Warnings = continuous.Warnings,
        };
    }

    /// <summary>Indices of the user's bad channels among the kept ones (case-insensitive, spaces removed).</summary>
    private static int[] ResolveBadChannels(string[] names, IReadOnlyList<string> requested)
    {
        var result = new List<int>();
        var unknown = new List<string>();
        foreach (var bad in requested)
        {
            string key = StandardMontage.Key(bad);
            int[] hits = Enumerable.Range(0, names.Length).Where(i => StandardMontage.Key(names[i]) == key).ToArray();
            if (hits.Length == 0) unknown.Add(bad);
            result.AddRange(hits);
        }
        if (unknown.Count > 0)
            throw new InvalidOptionException($"bad channel(s) {string.Join(", ", unknown)} are not among the recording's EEG channels ({string.Join(", ", names)}).");
        return result.Distinct().Order().ToArray();
    }
}
