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

    /// <summary>A MAT v5 file whose one variable EEG is a 1 × <paramref name="elements"/> struct array with no fields.</summary>
    private static byte[] FieldlessStructSet(int elements)
    {
        var file = new MemoryStream();
        var w = new BinaryWriter(file);
        w.Write(Encoding.ASCII.GetBytes("MATLAB 5.0 MAT-file, fuzz finding".PadRight(116)));
        w.Write(new byte[8]);                                  // subsystem data offset
        w.Write((ushort)0x0100);
        w.Write("IM"u8);
        w.Write(14); w.Write(64);                              // miMATRIX, 64 bytes
        w.Write(6); w.Write(8); w.Write(2); w.Write(0);        // array flags: mxSTRUCT
        w.Write(5); w.Write(8); w.Write(1); w.Write(elements); // dimensions 1 × elements
        w.Write(1); w.Write(3); w.Write("EEG\0\0\0\0\0"u8);      // name
        w.Write((4 << 16) | 5); w.Write(32);                   // field-name length 32 (small element)
        w.Write(1); w.Write(0);                                // field names: none
        return file.ToArray();
    }

    [Fact]
    public void An_EEGLAB_struct_array_without_fields_cannot_claim_a_million_elements()
    {
        // Found by the fuzzer: a 2.6 KB .set whose struct array had no fields and a million elements made the MAT
        // reader build a million empty dictionaries (79 MB). Fieldless elements now count against the file's size.
        long before = GC.GetAllocatedBytesForCurrentThread();
        var source = RecordingSource.FromStream(new MemoryStream(FieldlessStructSet(1_000_000)), "x.set");
        var error = Assert.ThrowsAny<ZunaInputException>(() => RecordingLoader.Default.Detect(source).Read(source));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("struct array claims 1000000 elements", error.Message);
        Assert.True(allocated < 4 << 20, $"{allocated:N0} bytes allocated for a {FieldlessStructSet(1).Length}-byte file");

        // A small fieldless array is still read: the file then fails later, for lacking EEGLAB's fields.
        var small = RecordingSource.FromStream(new MemoryStream(FieldlessStructSet(3)), "x.set");
        var later = Assert.ThrowsAny<ZunaInputException>(() => RecordingLoader.Default.Detect(small).Read(small));
        Assert.DoesNotContain("claims", later.Message);
    }
}
