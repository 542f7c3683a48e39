using Zuna.Engine;
using Zuna.Engine.Fif;
using Zuna.Engine.Preprocessing;

namespace Zuna.Api.Tests.Preprocessing;

/// <summary>FifReader → Preprocessor on every shared FIF file, against the MNE reference stages of the same file.</summary>
public class FifEndToEndTests
{
    public static IEnumerable<object[]> Files =>
    [
        ["zuna__sample1_raw.fif", "zuna__sample1_raw"],
        ["derived/zuna__sample1_raw.fif.gz", "zuna__sample1_raw"],
        ["derived/zuna__sample1_double_raw.fif", "zuna__sample1_raw"],
        ["derived/zuna__sample1_skips_raw.fif", "zuna__sample1_skips_raw"],
        ["fif_export__test_data-raw.fif", "fif_export__test_data-raw"],
        ["derived/fif_export__split_raw.fif", "fif_export__split_raw"],
        ["bsl-datasets__resting_state_short-raw.fif", "bsl-datasets__resting_state_short-raw"],
    ];

    [Theory]
    [MemberData(nameof(Files))]
    public void ContinuousChainMatchesMneReference(string fif, string reference)
    {
        var raw = FifReader.Read(SharedData.Path($"data/fif/{fif}"));
        var c = ReferenceCase.Load(reference);
        // bsl is 2 s long: shorter than an epoch, so allow a tiny epoch to reach the continuous stages.
        var options = new PreprocessOptions { EpochSamples = fif.StartsWith("bsl", StringComparison.Ordinal) ? 32 : 1280 };
        var continuous = Preprocessor.RunContinuous(raw, options);
        Assert.Equal(c.ChannelNames, continuous.ChannelNames);
        var (diff, scale) = Compare.Rows(continuous.Data, c.Rows("reref"));
        Assert.True(diff <= 1e-6 * scale, $"{fif}: reref max diff {diff:E3} vs scale {scale:E3}");
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void EpochsMatchMneReferenceAfterBaselineRemoval(string fif, string reference)
    {
        if (fif.StartsWith("bsl", StringComparison.Ordinal)) return; // no whole epoch (covered by TooShortRecordingIsRejected)
        var raw = FifReader.Read(SharedData.Path($"data/fif/{fif}"));
        var c = ReferenceCase.Load(reference);
        var result = Preprocessor.Run(raw, PreprocessOptions.Default);

        // The reference epochs are z/10 without annotation rejection or baseline removal; rebuild ours from them.
        var refEpochs = c.Arrays["epochs"];
        int channels = (int)refEpochs.Shape[1];
        var badWindows = BadWindows(c);
        var kept = Enumerable.Range(0, (int)refEpochs.Shape[0]).Where(e => !badWindows.Contains(e)).ToArray();
        Assert.Equal(kept.Length, result.EpochCount);
        double maxDiff = 0;
        for (int k = 0; k < kept.Length; k++)
            for (int ch = 0; ch < channels; ch++)
            {
                var window = refEpochs.Values.AsSpan((int)(((long)kept[k] * channels + ch) * 1280), 1280);
                double mean = 0;
                foreach (double v in window) mean += v;
                mean /= 1280;
                var ours = result.Epoch(k).Span.Slice(ch * 1280, 1280);
                for (int i = 0; i < 1280; i++) maxDiff = Math.Max(maxDiff, Math.Abs(ours[i] - 10 * (window[i] - mean)));
            }
        Assert.True(maxDiff <= 1e-5, $"{fif}: epochs differ by {maxDiff:E3} z-units");
    }

    /// <summary>Windows overlapping a BAD_* annotation (MNE's reject_by_annotation), from the reference's own annotations.</summary>
    private static HashSet<int> BadWindows(ReferenceCase c)
    {
        var bad = new HashSet<int>();
        int windows = (int)c.Arrays["epochs"].Shape[0];
        foreach (var a in c.Annotations.Where(a => a.Description.StartsWith("bad", StringComparison.OrdinalIgnoreCase)))
            for (int e = 0; e < windows; e++)
                if (a.Onset < (e + 1) * 5.0 && a.Onset + a.Duration > e * 5.0) bad.Add(e);
        return bad;
    }

    [Fact]
    public void SkipFileDropsTheEpochOverTheAcquisitionGap()
    {
        var result = Preprocessor.Run(FifReader.Read(SharedData.Path("data/fif/derived/zuna__sample1_skips_raw.fif")), PreprocessOptions.Default);
        Assert.Equal(1, result.EpochCount); // windows [0, 5) s and [5, 10) s; the skip covers 2-4 s
    }

    [Fact]
    public void RecordingWithoutPositionsGetsStandardHeadPositions()
    {
        var result = Preprocessor.Run(FifReader.Read(SharedData.Path("data/fif/fif_export__test_data-raw.fif")), PreprocessOptions.Default);
        Assert.Equal(["F3", "F4", "C3", "C4", "Fz", "Cz", "POz"], result.ChannelNames);
        var cz = Zuna.Engine.Montage.StandardMontage.Standard1005.HeadPosition("CZ")!.Value;
        int i = Array.IndexOf(result.ChannelNames, "Cz");
        Assert.Equal((float)cz.Z, result.ChannelPositions[3 * i + 2]);
    }

    [Fact]
    public void UnknownNamesWithoutPositionsAreRejectedByName()
    {
        var raw = FifReader.Read(SharedData.Path("data/fif/mne-python__brainvision_test_bin_raw.fif"));
        var e = Assert.Throws<InvalidRecordingException>(() => Preprocessor.Run(raw, PreprocessOptions.Default));
        Assert.Contains("EEG 001", e.Message);
        Assert.Contains("EEG 032", e.Message);
    }

    [Fact]
    public void TooShortRecordingIsRejected()
    {
        var raw = FifReader.Read(SharedData.Path("data/fif/bsl-datasets__resting_state_short-raw.fif"));
        var e = Assert.Throws<InvalidRecordingException>(() => Preprocessor.Run(raw, PreprocessOptions.Default));
        Assert.Contains("shorter than one", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    [InlineData(8224)]
    public void InvalidEpochLengthIsAnOptionError(int samples)
    {
        var raw = FifReader.Read(SharedData.Path("data/fif/zuna__sample1_raw.fif"));
        Assert.Throws<InvalidOptionException>(() => Preprocessor.Run(raw, new PreprocessOptions { EpochSamples = samples }));
    }

    [Fact]
    public void UnknownBadChannelIsAnOptionError()
    {
        var raw = FifReader.Read(SharedData.Path("data/fif/zuna__sample1_raw.fif"));
        var e = Assert.Throws<InvalidOptionException>(() => Preprocessor.Run(raw, new PreprocessOptions { BadChannels = ["Xyz"] }));
        Assert.Contains("Xyz", e.Message);
    }

    [Fact]
    public void BadChannelNamesMatchIgnoringCaseAndSpaces()
    {
        var raw = FifReader.Read(SharedData.Path("data/fif/zuna__sample1_raw.fif"));
        var a = Preprocessor.Run(raw, new PreprocessOptions { BadChannels = ["c 3", "o2"] });
        var b = Preprocessor.Run(raw, new PreprocessOptions { BadChannels = ["C3", "O2"] });
        Assert.Equal(b.Epochs, a.Epochs);
    }
}
