using System.Text;
using Zuna.Engine.Input;

namespace Zuna.Api.Tests.Formats;

/// <summary>Broken EDF/BDF files end in a typed error with a clear message, never a crash, hang or huge allocation.</summary>
public class EdfMalformedTests
{
    private static byte[] Original(string relative) => File.ReadAllBytes(SharedData.Path("data/formats/" + relative));

    private static byte[] Edf => Original("edf/synthetic/s_edf_scaling_8ch_250hz.edf");

    /// <summary>Writes an ASCII value into a fixed-width header field (space-padded).</summary>
    private static byte[] WithField(byte[] bytes, int offset, int width, string value)
    {
        var copy = (byte[])bytes.Clone();
        var text = Encoding.ASCII.GetBytes(value.PadRight(width)[..width]);
        text.CopyTo(copy, offset);
        return copy;
    }

    private static int SignalCount(byte[] bytes) => int.Parse(Encoding.ASCII.GetString(bytes, 252, 4).Trim());

    [Fact]
    public void TruncatedHeaderIsRefused()
    {
        string message = MalformedInput.Refused(Edf[..100], "cut.edf");
        Assert.Contains("256-byte header", message);
        Assert.Contains("header declares 9 signals", MalformedInput.Refused(Edf[..300], "cut.edf"));
    }

    [Fact]
    public void HeaderSizeThatDisagreesWithTheSignalCountIsRefused() =>
        Assert.Contains("header size field", MalformedInput.Refused(WithField(Edf, 184, 8, "512"), "x.edf"));

    [Theory]
    [InlineData("-3")]
    [InlineData("0")]
    [InlineData("9999")]
    public void ImpossibleSignalCountsAreRefused(string count) =>
        MalformedInput.Refused(WithField(Edf, 252, 4, count), "x.edf");

    [Theory]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("99999999")]
    public void HugeOrNegativeSamplesPerRecordAreRefused(string samples)
    {
        int n = SignalCount(Edf);
        int offset = 256 + n * (16 + 80 + 8 + 8 + 8 + 8 + 8 + 80); // first signal's samples-per-record field
        Assert.Contains("samples per record", MalformedInput.Refused(WithField(Edf, offset, 8, samples), "x.edf"));
    }

    [Fact]
    public void NonNumericFieldsAreRefused()
    {
        Assert.Contains("record duration", MalformedInput.Refused(WithField(Edf, 244, 8, "one"), "x.edf"));
        int n = SignalCount(Edf);
        int physicalMin = 256 + n * (16 + 80 + 8);
        Assert.Contains("physical minimum", MalformedInput.Refused(WithField(Edf, physicalMin, 8, "abc"), "x.edf"));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("-7")]
    [InlineData("99999999")]
    public void RecordCountIsTakenFromTheFileSizeWithAWarning(string count)
    {
        var raw = Assert.IsType<RecordingContent.Continuous>(MalformedInput.Read(WithField(Edf, 236, 8, count), "x.edf")).Recording;
        Assert.Equal(5000, raw.SampleCount);
        Assert.Contains(raw.Warnings, w => w.Contains("file size holds 20", StringComparison.Ordinal));
    }

    [Fact]
    public void HeaderWithoutAnyRecordIsRefused()
    {
        int header = 256 * (SignalCount(Edf) + 1);
        Assert.Contains("no complete data record", MalformedInput.Refused(Edf[..(header + 10)], "x.edf"));
    }

    [Fact]
    public void GarbageWithTheRightExtensionIsRefused()
    {
        MalformedInput.Refused(Encoding.ASCII.GetBytes("this is not an EDF file at all, just text"), "notes.edf");
        MalformedInput.Refused(new byte[4096], "zeros.bdf");
    }

    [Theory]
    [InlineData("edf/synthetic/s_edfplus_annot_19ch_256hz.edf", 1)]
    [InlineData("edf/synthetic/s_edf_mixed_rates.edf", 2)]
    [InlineData("bdf/synthetic/s_bdfplus_annot_16ch_1024hz.bdf", 3)]
    public void RandomMutationsEndInTypedErrorsOnly(string file, int seed)
    {
        var bytes = Original(file);
        MalformedInput.Fuzz(bytes, Path.GetFileName(file), iterations: 150, seed, headerBytes: 256 * (SignalCount(bytes) + 1));
    }
}
