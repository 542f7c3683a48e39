using Zuna.Engine;
using Zuna.Engine.Fif;

namespace Zuna.Api.Tests.Fif;

public sealed class FifSplitTests
{
    private static readonly string[] Parts = ["fif_export__split_raw.fif", "fif_export__split_raw-1.fif", "fif_export__split_raw-2.fif"];

    [Fact]
    public void First_part_path_reads_all_three_parts_concatenated()
    {
        var raw = FifReader.Read(FifTestFiles.PathOf("derived/" + Parts[0]));
        Assert.Equal(30000, raw.SampleCount);
        Assert.Equal([11000, 11000, 8000], raw.PartSampleCounts);
        // The concatenation equals the first 60 s of the unsplit source file (the split file is a crop of it).
        var source = FifReader.Read(FifTestFiles.PathOf("fif_export__test_data-raw.fif"));
        for (int c = 0; c < raw.Channels.Count; c++)
            Assert.Equal(source.Data[c].AsSpan(0, 30000).ToArray(), raw.Data[c]);
    }

    [Fact]
    public void A_stream_of_a_split_part_is_refused_with_a_clear_message()
    {
        using var fs = File.OpenRead(FifTestFiles.PathOf("derived/" + Parts[0]));
        var e = Assert.Throws<FifFormatException>(() => FifReader.Read(fs, Parts[0]));
        Assert.Contains("split", e.Message, StringComparison.OrdinalIgnoreCase);
        // The last part references no next file, so it reads on its own (8000 samples starting at 22000).
        using var last = File.OpenRead(FifTestFiles.PathOf("derived/" + Parts[2]));
        var raw = FifReader.Read(last, Parts[2]);
        Assert.Equal(8000, raw.SampleCount);
        Assert.Equal(22000, raw.FirstSample);
    }

    [Fact]
    public void A_missing_part_is_a_format_error()
    {
        string dir = Directory.CreateTempSubdirectory("zuna-split-").FullName;
        try
        {
            foreach (var p in Parts[..2]) File.Copy(FifTestFiles.PathOf("derived/" + p), Path.Combine(dir, p));
            var e = Assert.Throws<FifFormatException>(() => FifReader.Read(Path.Combine(dir, Parts[0])));
            Assert.Contains(Parts[2], e.Message, StringComparison.Ordinal);
            // With the last part present it reads.
            File.Copy(FifTestFiles.PathOf("derived/" + Parts[2]), Path.Combine(dir, Parts[2]));
            Assert.Equal(30000, FifReader.Read(Path.Combine(dir, Parts[0])).SampleCount);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("/d/x_raw.fif", 1, "/d/x_raw-1.fif")]
    [InlineData("/d/x_raw-1.fif", 2, "/d/x_raw-2.fif")]
    [InlineData("/d/x_raw.fif.gz", 1, "/d/x_raw-1.fif.gz")]
    [InlineData("/d/sub-01_eeg.fif", 3, "/d/sub-01_eeg-3.fif")]
    public void Part_names_from_numbers_follow_mne(string current, int number, string expected) =>
        Assert.Equal(expected, FifPart.NumberedName(current, number));

    [Fact]
    public void A_missing_file_is_file_not_found()
    {
        Assert.Throws<FileNotFoundException>(() => FifReader.Read(Path.Combine(Path.GetTempPath(), "does-not-exist-zuna_raw.fif")));
    }
}
