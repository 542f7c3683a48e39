using Zuna.Engine.Fif;

namespace Zuna.Engine.Input.Arrays;

/// <summary>A recording made of named rows of volts, as mne.io.RawArray makes one: every channel EEG, no positions (the channel rule finds them by name).</summary>
public static class ArrayRecording
{
    public static RecordingContent.Continuous Create(string source, IReadOnlyList<string> channelNames, double sampleRate, double[][] volts, string originalFormat, List<string> warnings)
    {
        if (channelNames.Count != volts.Length)
            throw new RecordingFormatException($"{source}: {channelNames.Count} channel names for {volts.Length} channels.");
        if (!(sampleRate > 0) || !double.IsFinite(sampleRate))
            throw new RecordingFormatException($"{source}: the sample rate {sampleRate} is not positive.");
        string[] names = ChannelNames.MakeUnique(channelNames, warnings);
        return new RecordingContent.Continuous(new RawRecording
        {
            Channels = names.Select((n, i) => ReadChannels.Create(n, i, FifChannelKind.Eeg)).ToList(),
            SampleRate = sampleRate,
            SampleCount = volts.Length == 0 ? 0 : volts[0].Length,
            Data = ReadChannels.ToFloat(volts),
            DoubleData = volts,
            Source = source,
            OriginalFormat = originalFormat,
            LowPass = sampleRate / 2,
            Warnings = warnings,
        });
    }

    /// <summary>The sample rate from the option, else the file's own, else an error that says how to give one.</summary>
    public static double SampleRate(ArrayOptions options, double? fromFile, string source) =>
        options.SampleRate ?? fromFile
        ?? throw new InvalidOptionException($"{source}: the sample rate is not in the file; give it (CLI --sfreq, HTTP form field sfreq).");
}
