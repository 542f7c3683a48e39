using Zuna.Engine.Fif;
using Zuna.Engine.Preprocessing;

namespace Zuna.Api.Tests.Preprocessing;

/// <summary>Channels in the recording's own bad list (info['bads']) are kept, high-passed and z-scored, but neither
/// re-referenced nor part of the reference mean or the z-score statistics (MNE's set_eeg_reference, ZUNA's Normalizer).</summary>
public class RecordingBadChannelTests
{
    [Fact]
    public void BadChannelIsLeftOutOfTheReferenceAndTheStatistics()
    {
        var file = FifReader.Read(SharedData.Path("data/fif/zuna__sample1_raw.fif"));
        var withBad = new RawRecording
        {
            Channels = file.Channels, SampleRate = file.SampleRate, SampleCount = file.SampleCount, FirstSample = file.FirstSample,
            Data = file.Data, Annotations = file.Annotations, BadChannels = ["O1"],
        };
        var filteredOnly = Preprocessor.RunContinuous(file, new PreprocessOptions { AverageReference = false });
        var result = Preprocessor.RunContinuous(withBad, PreprocessOptions.Default);
        int o1 = Array.IndexOf(result.ChannelNames, "O1");
        Assert.False(result.IsGood[o1]);
        Assert.Equal(filteredOnly.Data[o1], result.Data[o1]); // untouched by the reference

        // Good channels: minus the mean of the 11 good channels at each sample.
        int n = result.Data[0].Length;
        double maxDiff = 0;
        for (int i = 0; i < n; i++)
        {
            double mean = 0;
            for (int c = 0; c < 12; c++) if (c != o1) mean += filteredOnly.Data[c][i];
            mean /= 11;
            for (int c = 0; c < 12; c++)
                if (c != o1) maxDiff = Math.Max(maxDiff, Math.Abs(result.Data[c][i] - (filteredOnly.Data[c][i] - mean)));
        }
        Assert.True(maxDiff < 1e-18, $"re-reference differs by {maxDiff:E2} V");

        var (mean11, std11) = Stages.GlobalStats(result.Data, result.IsGood);
        var epochs = Preprocessor.Epoch(result, PreprocessOptions.Default, 256);
        Assert.Equal(std11, epochs.GlobalStd);
        Assert.Equal(mean11, epochs.GlobalMean);
        Assert.Equal(12, epochs.ChannelCount);
        Assert.Contains(epochs.Epoch(0).Span.Slice(o1 * 1280, 1280).ToArray(), v => v != 0); // still z-scored, not zeroed
    }
}
