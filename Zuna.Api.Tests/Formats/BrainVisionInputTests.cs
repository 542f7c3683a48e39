using System.Text;
using Zuna.Engine.Input;

namespace Zuna.Api.Tests.Formats;

/// <summary>BrainVision's three files from an upload's parts, and broken headers or missing companions → typed errors.</summary>
public class BrainVisionInputTests
{
    private static string Folder => SharedData.Path("data/formats/brainvision/synthetic");
    private const string Stem = "s_bv_int16_mux_24ch_500hz";

    private static byte[] Header => File.ReadAllBytes(Path.Combine(Folder, Stem + ".vhdr"));

    private static RecordingContent ReadParts(byte[] header, params string[] companions)
    {
        var parts = companions.ToDictionary(c => c, c => (Stream)new MemoryStream(File.ReadAllBytes(Path.Combine(Folder, c))));
        var source = RecordingSource.FromParts(new MemoryStream(header), Stem + ".vhdr", parts);
        return RecordingLoader.Default.Detect(source).Read(source);
    }

    [Fact]
    public void UploadPartsReadLikeTheFilesOnDisk()
    {
        var fromParts = Assert.IsType<RecordingContent.Continuous>(ReadParts(Header, Stem + ".eeg", Stem + ".vmrk")).Recording;
        var fromDisk = FormatCase.Load("brainvision__" + Stem).ReadRaw();
        Assert.Equal(fromDisk.Channels.Select(c => c.Name), fromParts.Channels.Select(c => c.Name));
        Assert.Equal(fromDisk.Data[3], fromParts.Data[3]);
        Assert.Equal(fromDisk.Annotations, fromParts.Annotations);
    }

    [Fact]
    public void MissingDataFileIsRefusedByName()
    {
        var error = Assert.Throws<RecordingFormatException>(() => ReadParts(Header, Stem + ".vmrk"));
        Assert.Contains($"data file '{Stem}.eeg' is missing", error.Message);
    }

    [Fact]
    public void MissingMarkerFileOnlyWarns()
    {
        var raw = Assert.IsType<RecordingContent.Continuous>(ReadParts(Header, Stem + ".eeg")).Recording;
        Assert.Empty(raw.Annotations);
        Assert.Contains(raw.Warnings, w => w.Contains("marker file", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("SamplingInterval=2000", "SamplingInterval=fast", "SamplingInterval is not a number")]
    [InlineData("SamplingInterval=2000", "SamplingInterval=-5", "not positive")]
    [InlineData("NumberOfChannels=24", "NumberOfChannels=99999999", "does not fit")]
    [InlineData("NumberOfChannels=24", "NumberOfChannels=30", "missing from [Channel Infos]")]
    [InlineData("BinaryFormat=INT_16", "BinaryFormat=INT_64", "not supported")]
    [InlineData("DataFormat=BINARY", "DataFormat=ASCII", "only BINARY")]
    public void BrokenHeaderFieldsAreRefused(string field, string replacement, string expected)
    {
        string text = Encoding.UTF8.GetString(Header);
        Assert.Contains(field, text);
        var broken = Encoding.UTF8.GetBytes(text.Replace(field, replacement, StringComparison.Ordinal));
        var error = Assert.Throws<RecordingFormatException>(() => ReadParts(broken, Stem + ".eeg", Stem + ".vmrk"));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void GarbageWithTheRightExtensionIsRefused() =>
        MalformedInput.Refused(Encoding.ASCII.GetBytes("not a header\n[nothing]\nx=1\n"), "garbage.vhdr");

    [Fact]
    public void RandomHeaderMutationsEndInTypedErrorsOnly()
    {
        var companions = new[] { Stem + ".eeg", Stem + ".vmrk" };
        var random = new Random(7);
        for (int i = 0; i < 200; i++)
        {
            var bytes = (byte[])Header.Clone();
            for (int e = 0; e < 1 + random.Next(4); e++)
                bytes[random.Next(bytes.Length)] = (byte)"0123456789,=-.[]\n;xÂµ"[random.Next(21)];
            try { ReadParts(bytes, companions); }
            catch (Zuna.Engine.ZunaInputException) { }
        }
    }
}
