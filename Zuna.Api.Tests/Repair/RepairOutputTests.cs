using System.Text.Json;
using Zuna.Engine.Fif;
using Zuna.Engine.Inference;
using Zuna.Engine.Outputs;
using Zuna.Engine.Repair;
using Zuna.Engine.SafeTensors;

namespace Zuna.Api.Tests.Repair;

/// <summary>The repair outputs written and read back: the safetensors layout and the FIF files (our reader).</summary>
public sealed class RepairOutputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("zuna-repair-out-").FullName;
    private static readonly ModelInfo Model = new("fixtures/zuna11", "local", "0123", "cpu", "float32", 64, 2, 2, 299_008);

    private static RepairResult Result(string name)
    {
        var f = RepairFixture.Get(name);
        return RepairAssembler.Assemble(f.Plan, f.ModelOutputs());
    }

    [Fact]
    public void SafetensorsHoldsTheSignalsMaskPositionsAndMetadata()
    {
        var f = RepairFixture.Get("fifB");
        var result = Result("fifB");
        string path = Path.Combine(_dir, "repair.safetensors");
        SafeTensorsWriter.From(RepairFile.Layout(result, Model, f.Options, RepairNoise.FromSeed(7))).Write(path);

        using var file = SafeTensorsFile.Open(path);
        foreach (var name in new[] { "hybrid", "full_reconstruction", "preprocessed" })
            Assert.Equal([8L, 7680L], file.Entry(name).Shape);
        Assert.Equal("U8", file.Entry("mask").Dtype);
        Assert.Equal(result.Mask, file.Bytes("mask").ToArray());
        Assert.Equal(result.Hybrid, file.ReadFloat32("hybrid"));
        Assert.Equal(f.Prepared.Data[3].AsSpan(0, 7680).ToArray(), file.ReadFloat32("preprocessed").AsSpan(3 * 7680, 7680).ToArray());
        Assert.Equal(f.Prepared.Positions, file.ReadFloat32("chan_pos"));

        var meta = file.Metadata;
        Assert.Equal("repairs", meta["operation"]);
        Assert.Equal("256", meta["sfreq"]);
        Assert.Equal(["Fp2", "F3", "C4", "P3", "O1", "F7", "A2", "M2"], JsonSerializer.Deserialize<string[]>(meta["channel_names"])!);
        Assert.Equal(["A2", "M2"], JsonSerializer.Deserialize<string[]>(meta["upsampled_channels"])!);
        var annotations = JsonDocument.Parse(meta["annotations"]).RootElement.EnumerateArray().ToList();
        Assert.Equal(3, annotations.Count);
        Assert.Equal(20.0, annotations[2].GetProperty("onset").GetDouble());
        Assert.Equal(2.5, annotations[2].GetProperty("duration").GetDouble());
        Assert.Equal("ZUNA1.1_infilled", annotations[2].GetProperty("description").GetString());
        Assert.Equal(["C4", "F7"], annotations[2].GetProperty("ch_names").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("7", meta["seed"]);
    }

    [Theory]
    [InlineData(RepairFile.Signal.Hybrid)]
    [InlineData(RepairFile.Signal.Full)]
    public void FifOutputReadsBackWithChannelsPositionsDateAndAnnotations(RepairFile.Signal signal)
    {
        var result = Result("fifA");
        string path = Path.Combine(_dir, $"{signal}_raw.fif");
        FifWriter.Write(path, RepairFile.ToRecording(result, signal));

        var back = FifReader.Read(path);
        Assert.Equal(256.0, back.SampleRate);
        Assert.Equal(result.SampleCount, back.SampleCount);
        Assert.Equal(result.ChannelNames, back.Channels.Select(c => c.Name));
        var expected = signal == RepairFile.Signal.Hybrid ? result.Hybrid : result.Full;
        for (int c = 0; c < result.ChannelCount; c++)
        {
            Assert.Equal(expected.AsSpan(c * result.SampleCount, result.SampleCount).ToArray(), back.Data[c]);
            Assert.Equal(result.Prepared.Positions.AsSpan(c * 3, 3).ToArray(), back.Channels[c].Location[..3]);
        }
        Assert.Equal(RepairFixture.Get("fifA").Prepared.MeasurementDate, back.MeasurementDate);
        Assert.NotNull(back.MeasurementDate);
        Assert.Empty(back.BadChannels);   // C3 and Fp1 were repaired over their whole length
        Assert.Equal(
            result.Annotations.Select(a => (a.Onset, a.Duration, a.Description, string.Join(",", a.ChannelNames))),
            back.Annotations.Select(a => (Math.Round(a.Onset, 5), Math.Round(a.Duration, 5), a.Description, string.Join(",", a.ChannelNames))));
        Assert.Contains(back.Annotations, a => a.ChannelNames.SequenceEqual(["O2"]));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
