using System.Text;
using Zuna.Engine;
using Zuna.Engine.Input;

namespace Zuna.Api.Tests.Fuzz;

/// <summary>
/// Inputs the coverage-guided fuzzer (bench/fuzz/run-libfuzzer.sh) found to crash a reader, rebuilt here in a few lines:
/// each must now load, or fail with a typed <see cref="ZunaInputException"/>.
/// </summary>
public sealed class FuzzFindingsTests
{
    /// <summary>Two INT_16 channels, multiplexed, 4 ms sampling; the data file is 100 samples of a ramp.</summary>
    private static string BrainVisionHeader(string codepageLine) =>
        "Brain Vision Data Exchange Header File Version 1.0\r\n[Common Infos]\r\n" + codepageLine +
        "DataFile=x.eeg\r\nMarkerFile=x.vmrk\r\nDataFormat=BINARY\r\nDataOrientation=MULTIPLEXED\r\nNumberOfChannels=2\r\n" +
        "SamplingInterval=4000\r\n[Binary Infos]\r\nBinaryFormat=INT_16\r\n[Channel Infos]\r\nCh1=Fz,,0.1\r\nCh2=Cz,,0.1\r\n";

    private static RecordingContent ReadBrainVision(string header)
    {
        var data = new byte[2 * 2 * 100];
        for (int i = 0; i < data.Length; i += 2) data[i] = (byte)(i / 2);
        var source = RecordingSource.FromParts(new MemoryStream(Encoding.ASCII.GetBytes(header)), "x.vhdr",
            new Dictionary<string, Stream> { ["x.eeg"] = new MemoryStream(data) });
        return RecordingLoader.Default.Detect(source).Read(source);
    }

    [Fact]
    public void A_BrainVision_channel_renamed_by_a_second_entry_for_its_number_still_gets_its_coordinates()
    {
        // Found by the fuzzer: "Ch1(" also names channel 1 (the key pattern is not anchored) and renamed it, so the
        // [Coordinates] entry for Ch1 looked for the old name, found no channel, and indexed the array at -1.
        string header = BrainVisionHeader("").Replace("Ch2=Cz,,0.1\r\n", "Ch2=Cz,,0.1\r\nCh1(=Oz,,0.1\r\n", StringComparison.Ordinal) +
            "[Coordinates]\r\nCh1=1,90,0\r\nCh2=1,0,0\r\n";
        var raw = Assert.IsType<RecordingContent.Continuous>(ReadBrainVision(header)).Recording;
        Assert.Equal(["Oz", "Cz"], raw.Channels.Select(c => c.Name));
        Assert.Equal(0.095f, raw.Channels[0].Location[0], 1e-6f); // radius 1 → 95 mm, theta 90°, phi 0°: on the x axis
        Assert.Equal(0.095f, raw.Channels[1].Location[2], 1e-6f); // theta 0°: the vertex
    }

    [Theory]
    [InlineData("Codepage=UTF-7\r\n")]   // found by the fuzzer: .NET names UTF-7 but refuses it (NotSupportedException)
    [InlineData("Codepage=utf-7\r\n")]
    [InlineData("Codepage=no-such-page\r\n")]
    [InlineData("")]
    public void A_BrainVision_header_naming_an_unusable_codepage_is_read_as_UTF8(string codepageLine)
    {
        var raw = Assert.IsType<RecordingContent.Continuous>(ReadBrainVision(BrainVisionHeader(codepageLine))).Recording;
        Assert.Equal(["Fz", "Cz"], raw.Channels.Select(c => c.Name));
        Assert.Equal(100, raw.SampleCount);
        Assert.Equal(250.0, raw.SampleRate);
    }
}
