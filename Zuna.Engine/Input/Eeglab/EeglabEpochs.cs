using System.Buffers.Binary;
using Zuna.Engine.Fif;
using Zuna.Engine.Input.Epochs;

namespace Zuna.Engine.Input.Eeglab;

/// <summary>
/// An epoched EEGLAB dataset (trials > 1) as MNE 1.3's read_epochs_eeglab reads it: EEG.data (embedded, or the .fdt)
/// is MATLAB's [nbchan, pnts, trials] in µV, one epoch per trial, × 1e-6 to volts; the first sample of each epoch is
/// at EEG.xmin seconds; channels and positions come from chanlocs as for continuous data. MNE also builds an event per
/// epoch from EEG.epoch/EEG.event, but the epochs path keeps no events (as for -epo.fif), so they are not read here.
/// </summary>
internal static class EeglabEpochs
{
    public static EpochedRecording Read(RecordingSource source, EeglabSet set, IReadOnlyList<FifChannel> channels, IReadOnlyList<string> warnings)
    {
        if (set.XMin is not { } xmin || !double.IsFinite(xmin))
            throw new RecordingFormatException($"{source.Name}: holds {set.Trials} epochs but EEG.xmin (the epoch start time) is missing or not a number.");
        long values = (long)set.ChannelCount * set.SampleCount * set.Trials;
        if (values > Array.MaxLength)
            throw new RecordingFormatException($"{source.Name}: {set.Trials} epochs of {set.ChannelCount} channels × {set.SampleCount} samples are too many to hold in memory.");
        var data = new double[values];
        if (set.EmbeddedData is { } embedded) FromEmbedded(embedded.Values, set, data);
        else FromDataFile(source, set, data);
        return new EpochedRecording
        {
            Channels = channels,
            SampleRate = set.SampleRate,
            EpochCount = set.Trials,
            EpochSamples = set.SampleCount,
            TMin = xmin,
            Data = data,
            Source = source.Name,
            Warnings = warnings,
        };
    }

    /// <summary>
    /// Column-major [nbchan, pnts, trials] in µV: frame f (all channels of one sample) is sample f mod pnts of epoch
    /// f / pnts — the same order as the .fdt's multiplexed frames. Spread into [epoch, channel, sample] volts.
    /// </summary>
    private static void FromEmbedded(double[] microvolts, EeglabSet set, double[] data)
    {
        int channels = set.ChannelCount, samples = set.SampleCount;
        for (int e = 0; e < set.Trials; e++)
            for (int t = 0; t < samples; t++)
            {
                long source = ((long)e * samples + t) * channels, target = (long)e * channels * samples + t;
                for (int c = 0; c < channels; c++) data[target + (long)c * samples] = microvolts[source + c] * EeglabRecordingReader.MicroVolt;
            }
    }

    /// <summary>MNE reshapes the whole .fdt to [nbchan, pnts, trials], so its size must match exactly.</summary>
    private static void FromDataFile(RecordingSource source, EeglabSet set, double[] data)
    {
        using var file = EeglabDataFile.Open(source, set);
        int channels = set.ChannelCount;
        long needed = 4L * data.LongLength;
        if (file.Length != needed)
            throw new RecordingFormatException(
                $"{source.Name}: the data file '{set.DataFile}' holds {file.Length} bytes; {channels} channels × {set.SampleCount} samples × {set.Trials} epochs need {needed}.");

        int frame = 4 * channels;
        long frames = (long)set.SampleCount * set.Trials;
        var buffer = new byte[Math.Max(1, (1 << 20) / frame) * frame];
        file.Position = 0;
        for (long done = 0; done < frames;)
        {
            int count = (int)Math.Min(buffer.Length / frame, frames - done);
            file.ReadExactly(buffer, 0, count * frame);
            for (int k = 0; k < count; k++)
            {
                long f = done + k, target = f / set.SampleCount * channels * set.SampleCount + f % set.SampleCount;
                for (int c = 0; c < channels; c++)
                    data[target + (long)c * set.SampleCount] = BinaryPrimitives.ReadSingleLittleEndian(buffer.AsSpan(k * frame + 4 * c)) * EeglabRecordingReader.MicroVolt;
            }
            done += count;
        }
    }
}
