using Zuna.Engine.Fif;
using Zuna.Engine.Preprocessing;
using Zuna.Engine.Signal;

namespace Zuna.Engine.Repair;

/// <summary>
/// Step 1 of the repair pipeline, EEGDataset_v4._prepare_raw (docs/zuna11.md §5.2): pick EEG, montage fallback,
/// repair channels to bads, drop channels without a position, resample to 256 Hz, FIR high-pass, then append the
/// added electrodes as zero channels. Resampling and filtering run in double (MNE's float64), the result is float32.
/// </summary>
public static class RepairPreparation
{
    public static PreparedRecording Prepare(RawRecording raw, RepairOptions options, ICollection<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        int[] eeg = Enumerable.Range(0, raw.Channels.Count).Where(i => raw.Channels[i].IsEeg).ToArray();
        if (eeg.Length == 0)
            throw new InvalidRecordingException($"{raw.Source}: the recording has no EEG channels.");

        var positions = MontageFallback.Positions(raw, eeg);
        var bads = raw.BadChannels.Where(b => eeg.Any(i => raw.Channels[i].Name == b)).ToList();
        foreach (string wanted in options.RepairChannels)
        {
            var hits = eeg.Select(i => raw.Channels[i].Name).Where(n => string.Equals(n, wanted, StringComparison.OrdinalIgnoreCase)).ToList();
            if (hits.Count == 0) warnings.Add($"repair channel '{wanted}' is not an EEG channel of the recording; ignored.");
            foreach (string hit in hits) if (!bads.Contains(hit)) bads.Add(hit);
        }

        int[] kept = eeg.Where(i => positions[i] is not null).ToArray();
        if (kept.Length < 3)
            throw new InvalidRecordingException($"{raw.Source}: only {kept.Length} EEG channel(s) have an electrode position; the repair needs at least 3.");
        var dropped = eeg.Where(i => positions[i] is null).Select(i => raw.Channels[i].Name).ToList();
        if (dropped.Count > 0) warnings.Add($"channel(s) without an electrode position dropped: {string.Join(", ", dropped)}.");
        string[] names = kept.Select(i => raw.Channels[i].Name).ToArray();
        bads.RemoveAll(b => !names.Contains(b));

        bool resample = Math.Round(raw.SampleRate) != PreparedRecording.SampleRate;
        IReadOnlyList<int>? parts = raw.PartSampleCounts.Count > 1 ? raw.PartSampleCounts : null;
        double rate = resample ? PreparedRecording.SampleRate : raw.SampleRate;
        long firstOut = resample ? Stages.ResampledFirstSample(raw.FirstSample, raw.SampleRate) : raw.FirstSample;
        double onsetOffset = raw.FirstSample / raw.SampleRate - firstOut / rate;
        var annotations = raw.Annotations.Select(a => a with { Onset = a.Onset + onsetOffset }).ToList();
        int n = resample ? Stages.ResampledLength(raw.SampleCount, raw.SampleRate, parts) : raw.SampleCount;
        var segments = Stages.FilterSegments(n, rate, annotations);
        var filter = options.HighPassHz == Stages.HighPassFrequency
            ? Stages.CreateHighPass()
            : new OverlapAddFilter(FirDesign.HighPass(PreparedRecording.SampleRate, options.HighPassHz));

        var data = new float[kept.Length][];
        Parallel.For(0, kept.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, c =>
        {
            using var scratch = new SignalScratch();
            var source = raw.Data[kept[c]];
            double[] x = resample ? Stages.Resample(source, raw.SampleRate, parts, scratch) : Widen(source);
            Stages.HighPass(x, filter, segments, scratch);
            var row = data[c] = new float[x.Length];
            for (int i = 0; i < x.Length; i++) row[i] = (float)x[i];
        });

        var pos = new float[kept.Length * 3];
        for (int c = 0; c < kept.Length; c++)
        {
            var p = positions[kept[c]]!.Value;
            (pos[3 * c], pos[3 * c + 1], pos[3 * c + 2]) = ((float)p.X, (float)p.Y, (float)p.Z);
        }
        var externalMask = options.BadSegments.Count == 0 ? null
            : ExternalMask.FromSegments(raw, options.BadSegments, names, n, warnings);
        var prepared = new PreparedRecording(data, names, pos, new bool[names.Length], bads, annotations, externalMask,
            raw.MeasurementDate, raw.Source);
        return Upsampling.Append(prepared, options.Targets, warnings);
    }

    private static double[] Widen(float[] source)
    {
        var x = GC.AllocateUninitializedArray<double>(source.Length);
        for (int i = 0; i < source.Length; i++) x[i] = source[i];
        return x;
    }
}
