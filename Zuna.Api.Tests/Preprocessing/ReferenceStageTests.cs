using Zuna.Engine.Preprocessing;
using Zuna.Engine.Signal;

namespace Zuna.Api.Tests.Preprocessing;

/// <summary>
/// Each stage of the chain against MNE 1.3's arrays for every reference file (tools/mne_reference.py): the stage is
/// fed MNE's own input of that stage, so an error cannot hide behind another.
/// </summary>
public class ReferenceStageTests
{
    // The numpy port in docs/fif-mne.md §D reaches ≤ 1.5e-13 relative; 1e-9 leaves room for another FFT library
    // and is still far below the 1e-6 the chain needs.
    private const double StageTolerance = 1e-9;

    [Fact]
    public void HighPassTapsAreMnes1691TapFilter()
    {
        var reference = ReferenceCase.Load("zuna__sample1_raw").Arrays["fir"].Values;
        double[] taps = FirDesign.HighPass(256, 0.5);
        Assert.Equal(1691, taps.Length);
        Assert.Equal(reference.Length, taps.Length);
        double maxDiff = taps.Zip(reference, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(maxDiff < 1e-15, $"taps differ by {maxDiff:E2}");
    }

    [Theory]
    [MemberData(nameof(ReferenceCase.All), MemberType = typeof(ReferenceCase))]
    public void ResampleMatchesMne(string file)
    {
        var c = ReferenceCase.Load(file);
        var raw = c.Rows("raw_volts");
        var resampled = raw.Select(x => Stages.Resample(x, c.SampleRateIn, c.PartLengths)).ToArray();
        var (diff, scale) = Compare.Rows(resampled, c.Rows("resampled"));
        Assert.True(diff <= StageTolerance * scale, $"{file}: resample max diff {diff:E3} vs scale {scale:E3}");
    }

    [Theory]
    [MemberData(nameof(ReferenceCase.All), MemberType = typeof(ReferenceCase))]
    public void FilterMatchesMne(string file)
    {
        var c = ReferenceCase.Load(file);
        var x = c.Rows("resampled");
        var segments = HighPassAsMne(c, x);
        var (diff, scale) = Compare.Rows(x, c.Rows("filtered"));
        Assert.True(diff <= StageTolerance * scale, $"{file}: filter max diff {diff:E3} vs scale {scale:E3}");

        int longest = segments.Max(s => s.Stop - s.Start);
        int block = OverlapAddFilter.BlockLength(1691, longest + 2 * Math.Min(1690, longest - 1));
        Assert.Contains(block, c.Meta.GetProperty("filter_fft_block_lengths").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Theory]
    [MemberData(nameof(ReferenceCase.All), MemberType = typeof(ReferenceCase))]
    public void AverageReferenceAndZScoreMatchMne(string file)
    {
        var c = ReferenceCase.Load(file);
        var x = c.Rows("filtered");
        var all = Enumerable.Repeat(true, x.Length).ToArray();
        Stages.AverageReference(x, all);
        var (diff, scale) = Compare.Rows(x, c.Rows("reref"));
        Assert.True(diff <= StageTolerance * scale, $"{file}: reref max diff {diff:E3} vs scale {scale:E3}");

        var reref = c.Rows("reref");
        var (mean, std) = Stages.GlobalStats(reref, all);
        double refMean = c.Meta.GetProperty("mean").GetDouble(), refStd = c.Meta.GetProperty("std").GetDouble();
        Assert.True(Math.Abs(std - refStd) <= 1e-12 * refStd, $"{file}: std {std:R} vs {refStd:R}");
        Assert.True(Math.Abs(mean - refMean) <= 1e-12 * refStd, $"{file}: mean {mean:R} vs {refMean:R}");
    }

    [Theory]
    [MemberData(nameof(ReferenceCase.All), MemberType = typeof(ReferenceCase))]
    public void WholeChainFromRawVoltsMatchesMneEpochs(string file)
    {
        var c = ReferenceCase.Load(file);
        var x = c.Rows("raw_volts").Select(r => Stages.Resample(r, c.SampleRateIn, c.PartLengths)).ToArray();
        HighPassAsMne(c, x);
        var all = Enumerable.Repeat(true, x.Length).ToArray();
        Stages.AverageReference(x, all);
        var (mean, std) = Stages.GlobalStats(x, all);
        var normed = x.Select(r => r.Select(v => (v - mean) / std / 10).ToArray()).ToArray();
        var (diff, scale) = Compare.Rows(normed, c.Rows("normed"));
        Assert.True(diff <= 1e-6 * scale, $"{file}: normed max diff {diff:E3} vs scale {scale:E3}");

        // The reference epochs are plain consecutive windows (no annotation rejection, no baseline removal).
        var epochs = c.Arrays["epochs"];
        var starts = Stages.EpochStarts(x[0].Length, 1280, 256, []);
        Assert.Equal(epochs.Shape[0], starts.Count);
        double epochDiff = 0;
        for (int e = 0; e < starts.Count; e++)
            for (int ch = 0; ch < x.Length; ch++)
                for (int i = 0; i < 1280; i++)
                    epochDiff = Math.Max(epochDiff, Math.Abs(normed[ch][starts[e] + i] - epochs.Values[((long)e * x.Length + ch) * 1280 + i]));
        Assert.True(epochDiff <= 1e-6, $"{file}: epoch max diff {epochDiff:E3} (z/10 units)");
    }

    /// <summary>The high-pass on 256 Hz rows, segment by segment between the recording's skip/edge annotations; returns the segments.</summary>
    private static List<(int Start, int Stop)> HighPassAsMne(ReferenceCase c, double[][] x)
    {
        long firstOut = Stages.ResampledFirstSample(c.FirstSample, c.SampleRateIn);
        double offset = c.FirstSample / c.SampleRateIn - firstOut / 256.0;
        var segments = Stages.FilterSegments(x[0].Length, 256, c.Annotations, offset);
        var filter = Stages.CreateHighPass();
        foreach (var row in x) Stages.HighPass(row, filter, segments);
        return segments;
    }
}
