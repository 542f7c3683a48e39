using System.Text;
using Zuna.Engine.Input;

namespace Zuna.Api.Tests.Formats;

/// <summary>EEGLAB .set + .fdt from an upload's parts, and broken MAT-files or missing .fdt files → typed errors.</summary>
public class EeglabInputTests
{
    private static string Folder => SharedData.Path("data/formats/eeglab/synthetic");
    private const string Stem = "s_set_fdt_chanlocs_20ch_250hz";

    private static byte[] Set => File.ReadAllBytes(Path.Combine(Folder, Stem + ".set"));

    private static RecordingContent ReadParts(byte[] set, string name, params (string Name, byte[] Bytes)[] companions)
    {
        var parts = companions.ToDictionary(c => c.Name, c => (Stream)new MemoryStream(c.Bytes));
        var source = RecordingSource.FromParts(new MemoryStream(set), name, parts);
        return RecordingLoader.Default.Detect(source).Read(source);
    }

    private static (string, byte[]) Fdt => (Stem + ".fdt", File.ReadAllBytes(Path.Combine(Folder, Stem + ".fdt")));

    [Fact]
    public void UploadPartsReadLikeTheFilesOnDisk()
    {
        var fromParts = Assert.IsType<RecordingContent.Continuous>(ReadParts(Set, Stem + ".set", Fdt)).Recording;
        var fromDisk = FormatCase.Load("eeglab__" + Stem).ReadRaw();
        Assert.Equal(fromDisk.Channels.Select(c => c.Name), fromParts.Channels.Select(c => c.Name));
        Assert.Equal(fromDisk.Data[5], fromParts.Data[5]);
        Assert.Equal(fromDisk.Annotations, fromParts.Annotations);
    }

    [Fact]
    public void MissingFdtIsRefusedByName()
    {
        var error = Assert.Throws<RecordingFormatException>(() => ReadParts(Set, Stem + ".set"));
        Assert.Contains($"'{Stem}.fdt' is missing", error.Message);
    }

    [Fact]
    public void ShortFdtIsRefused()
    {
        var (name, bytes) = Fdt;
        var error = Assert.Throws<RecordingFormatException>(() => ReadParts(Set, Stem + ".set", (name, bytes[..1000])));
        Assert.Contains("holds 1000 bytes", error.Message);
    }

    [Fact]
    public void RenamedSetFindsTheFdtNamedInside()
    {
        var raw = Assert.IsType<RecordingContent.Continuous>(ReadParts(Set, "renamed.set", Fdt)).Recording;
        Assert.Equal(6000, raw.SampleCount);
    }

    [Fact]
    public void TruncatedMatFilesAreRefused()
    {
        var bytes = File.ReadAllBytes(SharedData.Path("data/formats/eeglab/synthetic/s_set_embedded_nolocs_16ch_128hz.set"));
        Assert.Contains("MAT-file header", MalformedInput.Refused(bytes[..100], "x.set"));
        foreach (int length in new[] { 130, 200, 1000, bytes.Length / 2, bytes.Length - 3 })
            MalformedInput.Refused(bytes[..length], "x.set");
    }

    [Fact]
    public void TruncatedOrDamagedV73FilesAreRefused()
    {
        var bytes = File.ReadAllBytes(SharedData.Path("data/formats/eeglab/synthetic/s_set_v73_12ch_200hz.set"));
        foreach (int length in new[] { 520, 600, 4096, bytes.Length / 2 })
            Assert.Contains("MAT v7.3", MalformedInput.Refused(bytes[..length], "x.set"));
        var damaged = (byte[])bytes.Clone();
        Array.Clear(damaged, 520, 64); // the HDF5 superblock after its signature
        Assert.Contains("MAT v7.3", MalformedInput.Refused(damaged, "x.set"));
    }

    [Fact]
    public void SizesThatDisagreeAreRefused()
    {
        var bytes = File.ReadAllBytes(SharedData.Path("data/formats/eeglab/synthetic/s_set_embedded_nolocs_16ch_128hz.set"));
        // The first variable's element size (bytes 132..135) claims far more than the file holds.
        var huge = (byte[])bytes.Clone();
        BitConverter.GetBytes(int.MaxValue - 7).CopyTo(huge, 132);
        Assert.Contains("claims", MalformedInput.Refused(huge, "x.set"));
        var negative = (byte[])bytes.Clone();
        BitConverter.GetBytes(-8).CopyTo(negative, 132);
        MalformedInput.Refused(negative, "x.set");
    }

    [Fact]
    public void GarbageWithTheRightExtensionIsRefused()
    {
        MalformedInput.Refused(Encoding.ASCII.GetBytes("MATLAB 5.0 MAT-file, but nothing after it"), "a.set");
        MalformedInput.Refused(Encoding.ASCII.GetBytes("just some text in a .set file"), "b.set");
        MalformedInput.Refused(new byte[4096], "zeros.set");
    }

    [Theory]
    [InlineData("eeglab/synthetic/s_set_embedded_nolocs_16ch_128hz.set", 21)]
    [InlineData("eeglab/synthetic/s_set_fdt_chanlocs_20ch_250hz.set", 22)]
    [InlineData("eeglab/eeglab/eeglab_data.set", 23)]
    [InlineData("eeglab/synthetic/s_set_v73_12ch_200hz.set", 24)]
    public void RandomMutationsEndInTypedErrorsOnly(string file, int seed)
    {
        var bytes = File.ReadAllBytes(SharedData.Path("data/formats/" + file));
        MalformedInput.Fuzz(bytes, Path.GetFileName(file), iterations: 150, seed, headerBytes: Math.Min(bytes.Length, 20000));
    }
}
