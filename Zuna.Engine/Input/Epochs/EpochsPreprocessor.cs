using Zuna.Engine.Fif;
using Zuna.Engine.Preprocessing;
using Zuna.Engine.Signal;

namespace Zuna.Engine.Input.Epochs;

/// <summary>
/// The original pipeline's epochs path (zuna-model.md §7.3) for epoched input: the same channel rule as continuous
/// recordings, MNE 1.3's Epochs.resample to 256 Hz (npad 'auto', pad 'edge'), average reference over the good EEG
/// channels, then a z-score per epoch and channel (ddof 0; a flat channel is left as it is). No high-pass and no
/// global statistics; the epoch length comes from the file.
/// </summary>
public static class EpochsPreprocessor
{
    /// <summary>The model's patch length; an epoch must hold whole patches.</summary>
    private const int PatchSamples = 32;

    public static Preprocessed Run(EpochedRecording epochs, PreprocessOptions options)
    {
        ArgumentNullException.ThrowIfNull(epochs);
        options.Validate();
        var selection = ChannelSelection.Select(new RawRecording
        {
            Channels = epochs.Channels, SampleRate = epochs.SampleRate, SampleCount = epochs.EpochSamples, Data = [],
        });
        int channelCount = selection.Indices.Length;
        string[] names = selection.Indices.Select(i => epochs.Channels[i].Name).ToArray();
        var bads = new HashSet<string>(epochs.BadChannels, StringComparer.Ordinal);
        bool[] isGood = names.Select(n => !bads.Contains(n)).ToArray();

        bool resample = Stages.NeedsResampling(epochs.SampleRate);
        double ratio = Stages.TargetRate / epochs.SampleRate;
        int t = resample ? FftResampler.OutputLength(epochs.EpochSamples, ratio) : epochs.EpochSamples;
        if (t % PatchSamples != 0 || t > PreprocessOptions.MaxEpochSamples)
            throw new InvalidRecordingException(
                $"{epochs.Source}: its epochs last {t} samples at 256 Hz; epochs must hold a multiple of {PatchSamples} samples, at most {PreprocessOptions.MaxEpochSamples} (the loaded model checks its own limit).");

        var output = new float[(long)epochs.EpochCount * channelCount * t];
        Parallel.For(0, epochs.EpochCount, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, e =>
        {
            using var scratch = new SignalScratch();
            var rows = new double[channelCount][];
            for (int c = 0; c < channelCount; c++)
            {
                var row = epochs.Row(e, selection.Indices[c]);
                rows[c] = resample ? FftResampler.ResampleEdgePadded(row, ratio, scratch) : row.ToArray();
            }
            if (options.AverageReference) Stages.AverageReference(rows, isGood);
            for (int c = 0; c < channelCount; c++) ZScore(rows[c], output.AsSpan((int)(((long)e * channelCount + c) * t), t));
        });

        var warnings = epochs.Warnings.ToList();
        if (selection.DroppedWarning is { } dropped) warnings.Add(dropped);
        var preprocessed = new Preprocessed(output, epochs.EpochCount, channelCount, t,
            selection.Positions.SelectMany(p => new[] { (float)p.X, (float)p.Y, (float)p.Z }).ToArray(), names, epochs.SampleRate, null, null)
        { Warnings = warnings };
        return ChannelEditing.ZeroChannels(preprocessed, options.BadChannels);
    }

    /// <summary>(x − mean) / std over the epoch (ddof 0); left as is when the std is 0.</summary>
    private static void ZScore(double[] x, Span<float> target)
    {
        double mean = 0;
        foreach (double v in x) mean += v;
        mean /= x.Length;
        double variance = 0;
        foreach (double v in x) variance += (v - mean) * (v - mean);
        double std = Math.Sqrt(variance / x.Length);
        for (int i = 0; i < x.Length; i++) target[i] = (float)(std > 0 ? (x[i] - mean) / std : x[i]);
    }
}
