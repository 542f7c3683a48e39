using Zuna.Api.Tests.Engine;
using Zuna.Engine;
using Zuna.Engine.Outputs;
using Zuna.Engine.Preprocessing;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Tests.Preprocessing;

public class PreprocessedFileTests
{
    private static Preprocessed Sample()
    {
        var epochs = Enumerable.Range(0, 2 * 3 * 64).Select(i => (float)Math.Sin(i * 0.1)).ToArray();
        var pos = Enumerable.Range(0, 9).Select(i => i * 0.01f).ToArray();
        return new Preprocessed(epochs, 2, 3, 64, pos, ["Fp1", "C 3", "Öz\"x"], 300.3074951171875, 2.352869297928612e-23, 6.547199300249313e-06);
    }

    [Fact]
    public void RoundTripsEveryField()
    {
        var p = Sample();
        using var file = SafeTensorsFile.FromBytes(SafeTensorsWriter.From(PreprocessedFile.Layout(p)).ToArray());
        var back = PreprocessedFile.Read(file);
        Assert.Equal(p.Epochs, back.Epochs);
        Assert.Equal(p.ChannelPositions, back.ChannelPositions);
        Assert.Equal(p.ChannelNames, back.ChannelNames);
        Assert.Equal((p.EpochCount, p.ChannelCount, p.EpochSamples), (back.EpochCount, back.ChannelCount, back.EpochSamples));
        Assert.Equal(p.SampleRateIn, back.SampleRateIn); // "R" strings round-trip exactly
        Assert.Equal(p.GlobalMean, back.GlobalMean);
        Assert.Equal(p.GlobalStd, back.GlobalStd);
        Assert.Equal("[\"Fp1\",\"C 3\",\"\\u00D6z\\u0022x\"]", file.Metadata["channel_names"]);
    }

    [Fact]
    public void FileWithoutTheTensorsIsAnInvalidRecording()
    {
        var bytes = new SafeTensorsWriter().Add("weight", new float[] { 1, 2 }, 2).ToArray();
        using var file = SafeTensorsFile.FromBytes(bytes, "model.safetensors");
        var e = Assert.Throws<InvalidRecordingException>(() => PreprocessedFile.Read(file));
        Assert.Contains("eeg", e.Message);
    }

    [Fact]
    public void InconsistentShapesAreRejected()
    {
        var p = Sample();
        var writer = new SafeTensorsWriter()
            .Add("eeg", p.Epochs, 2, 3, 64)
            .Add("chan_pos", new float[12], 4, 3)
            .Metadata("channel_names", "[\"a\",\"b\",\"c\"]").Metadata("sfreq_in", "256").Metadata("global_mean", "0").Metadata("global_std", "1");
        using var file = SafeTensorsFile.FromBytes(writer.ToArray());
        var e = Assert.Throws<InvalidRecordingException>(() => PreprocessedFile.Read(file));
        Assert.Contains("4", e.Message);
    }

    [Theory]
    [InlineData("channel_names", "[\"a\"]")]
    [InlineData("channel_names", "not json")]
    [InlineData("global_std", "NaN")]
    [InlineData("global_mean", "")]
    [InlineData("sfreq_in", "fast")]
    [InlineData("n_epochs", "7")]
    public void BadMetadataIsRejected(string key, string value)
    {
        var writer = SafeTensorsWriter.From(PreprocessedFile.Layout(Sample())).Metadata(key, value);
        using var file = SafeTensorsFile.FromBytes(writer.ToArray());
        var e = Assert.Throws<InvalidRecordingException>(() => PreprocessedFile.Read(file));
        Assert.Contains(key, e.Message);
    }

    [Fact]
    public void EpochLengthTheModelCannotTakeIsRejected()
    {
        var writer = new SafeTensorsWriter()
            .Add("eeg", new float[100], 1, 1, 100)
            .Add("chan_pos", new float[3], 1, 3)
            .Metadata("channel_names", "[\"a\"]").Metadata("sfreq_in", "256").Metadata("global_mean", "0").Metadata("global_std", "1");
        using var file = SafeTensorsFile.FromBytes(writer.ToArray());
        Assert.Throws<InvalidRecordingException>(() => PreprocessedFile.Read(file));
    }

    /// <summary>Epochs as a numpy user would bring them: the tensors and channel names, no rate or global statistics.</summary>
    private static SafeTensorsFile WithoutVoltsMetadata(Preprocessed p, params string[] keep)
    {
        var writer = new SafeTensorsWriter()
            .Add("eeg", p.Epochs, p.EpochCount, p.ChannelCount, p.EpochSamples)
            .Add("chan_pos", p.ChannelPositions, p.ChannelCount, 3)
            .Metadata("channel_names", System.Text.Json.JsonSerializer.Serialize(p.ChannelNames));
        foreach (var (key, value) in PreprocessedFile.Layout(p).Metadata)
            if (keep.Contains(key)) writer.Metadata(key, value);
        return SafeTensorsFile.FromBytes(writer.ToArray(), "numpy.safetensors");
    }

    [Fact]
    public void FileWithoutRateAndGlobalStatisticsReadsAndEmbeds()
    {
        var p = Sample();
        using var file = WithoutVoltsMetadata(p);
        var back = PreprocessedFile.Read(file);
        Assert.Equal(p.Epochs, back.Epochs);
        Assert.Null(back.SampleRateIn);
        Assert.Null(back.GlobalMean);
        Assert.Null(back.GlobalStd);

        int tokens = back.ChannelCount * (back.EpochSamples / 32);
        var layout = EmbeddingFile.Layout(back, new float[back.EpochCount * tokens * 32], new long[tokens * 4], OutputLayoutTests.Model());
        var keys = layout.Metadata.Select(e => e.Key).ToList();
        Assert.DoesNotContain("sfreq_in", keys);
        Assert.DoesNotContain("global_mean", keys);
        Assert.DoesNotContain("global_std", keys);
        Assert.Contains("channel_names", keys);

        // Its own output reads back as input again, still without the keys.
        using var again = SafeTensorsFile.FromBytes(SafeTensorsWriter.From(PreprocessedFile.Layout(back)).ToArray());
        Assert.False(again.Metadata.ContainsKey("global_std"));
        Assert.Null(PreprocessedFile.Read(again).GlobalStd);
    }

    [Fact]
    public void VoltsNeedTheGlobalStatisticsAndTheErrorNamesWhatIsMissing()
    {
        var p = Sample();
        using var bare = WithoutVoltsMetadata(p);
        var input = PreprocessedFile.Read(bare);
        var e = Assert.Throws<InvalidRecordingException>(() => ReconstructionFile.ToRecording(input, input.Epochs));
        Assert.Contains("global_mean and global_std", e.Message);
        Assert.Contains("safetensors", e.Message);

        using var meanOnly = WithoutVoltsMetadata(p, "global_mean", "sfreq_in");
        e = Assert.Throws<InvalidRecordingException>(() => ReconstructionFile.ToRecording(PreprocessedFile.Read(meanOnly), input.Epochs));
        Assert.Contains("global_std", e.Message);
        Assert.DoesNotContain("global_mean", e.Message);

        using var both = WithoutVoltsMetadata(p, "global_mean", "global_std");
        var withStatistics = PreprocessedFile.Read(both);
        Assert.Null(withStatistics.SampleRateIn);   // the rate is not needed for volts
        Assert.Equal(p.EpochCount * p.EpochSamples, ReconstructionFile.ToRecording(withStatistics, input.Epochs).SampleCount);
    }
}
