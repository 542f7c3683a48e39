using System.Buffers.Binary;
using Zuna.Engine.Fif;

namespace Zuna.Engine.Input.Eeglab;

/// <summary>
/// EEGLAB datasets: a .set MAT-file (v5, or v7.3 = HDF5) holding the EEG struct, with the samples embedded (double or
/// single) or in a separate .fdt file (float32, multiplexed) found beside it or among an upload's parts. Read as MNE
/// 1.3's read_raw_eeglab: values in µV (× 1e-6), channels and positions from chanlocs, events as annotations.
/// Epoched datasets (trials > 1) are read by <see cref="EeglabEpochs"/> instead, as MNE's read_epochs_eeglab.
/// </summary>
public sealed class EeglabRecordingReader : IRecordingReader
{
    /// <summary>EEGLAB stores µV; MNE scales by this fixed calibration.</summary>
    internal const double MicroVolt = 1e-6;

    public string Format => "EEGLAB";

    public IReadOnlyList<string> Extensions { get; } = [".set"];

    /// <summary>Both MAT versions open with the text "MATLAB 5.0 MAT-file" or "MATLAB 7.3 MAT-file".</summary>
    public bool Recognises(ReadOnlySpan<byte> head) =>
        head.Length >= 19 && (head[..19].SequenceEqual("MATLAB 5.0 MAT-file"u8) || head[..19].SequenceEqual("MATLAB 7.3 MAT-file"u8));

    public RecordingContent Read(RecordingSource source)
    {
        byte[] file;
        using (var stream = source.Open())
        {
            if (stream.Length > Array.MaxLength) throw new RecordingFormatException($"{source.Name}: {stream.Length} bytes is too large for a .set file.");
            file = new byte[stream.Length];
            stream.ReadExactly(file);
        }
        var variables = Mat73Reader.IsMat73(file) ? Mat73Reader.Read(file, source.Name) : Mat5Reader.Read(file, source.Name);
        var set = EeglabSet.From(variables, source.Name);
        var warnings = new List<string>();
        var channels = EeglabChannels.Read(set, source.Name, warnings);
        // An epoched dataset (trials > 1) is read as MNE's read_epochs_eeglab and takes the epochs path.
        if (set.Trials > 1) return new RecordingContent.RawEpochs(EeglabEpochs.Read(source, set, channels, warnings));

        var volts = set.EmbeddedData is { } embedded ? FromEmbedded(embedded, set) : FromDataFile(source, set);
        var annotations = EeglabEvents.Read(set, source.Name, warnings);
        return new RecordingContent.Continuous(new RawRecording
        {
            Channels = channels,
            SampleRate = set.SampleRate,
            SampleCount = set.SampleCount,
            Data = ReadChannels.ToFloat(volts),
            DoubleData = volts,
            Annotations = AnnotationRange.Crop(annotations, set.SampleCount, set.SampleRate, warnings),
            Source = source.Name,
            OriginalFormat = "double",
            LowPass = set.SampleRate / 2,
            Warnings = warnings,
        });
    }

    /// <summary>EEG.data as stored in the .set, [nbchan, pnts] column-major, in µV.</summary>
    private static double[][] FromEmbedded(MatNumeric data, EeglabSet set)
    {
        var volts = new double[set.ChannelCount][];
        for (int c = 0; c < set.ChannelCount; c++)
        {
            var row = volts[c] = new double[set.SampleCount];
            for (int t = 0; t < row.Length; t++) row[t] = data.Values[c + (long)set.ChannelCount * t] * MicroVolt;
        }
        return volts;
    }

    /// <summary>The .fdt (see <see cref="EeglabDataFile"/>): µV as float32 → volts per channel.</summary>
    private static double[][] FromDataFile(RecordingSource source, EeglabSet set)
    {
        string named = set.DataFile!;
        using var data = EeglabDataFile.Open(source, set);
        int channels = set.ChannelCount, samples = set.SampleCount;
        long needed = 4L * channels * samples;
        if (data.Length < needed)
            throw new RecordingFormatException($"{source.Name}: the data file '{named}' holds {data.Length} bytes; {channels} channels × {samples} samples need {needed}.");

        var volts = new double[channels][];
        for (int c = 0; c < channels; c++) volts[c] = new double[samples];
        int frame = 4 * channels;
        var buffer = new byte[Math.Max(1, (1 << 20) / frame) * frame];
        data.Position = 0;
        for (int sample = 0; sample < samples;)
        {
            int count = Math.Min(buffer.Length / frame, samples - sample);
            data.ReadExactly(buffer, 0, count * frame);
            for (int k = 0; k < count; k++)
                for (int c = 0; c < channels; c++)
                    volts[c][sample + k] = BinaryPrimitives.ReadSingleLittleEndian(buffer.AsSpan(k * frame + 4 * c)) * MicroVolt;
            sample += count;
        }
        return volts;
    }
}
