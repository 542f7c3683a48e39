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
}
