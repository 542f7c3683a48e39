using Zuna.Api.Tests.Model;
using Zuna.Engine.Repair;

namespace Zuna.Api.Tests.Repair;

/// <summary>
/// The model-free steps of the repair pipeline against the original reconstruct_fif (fixtures/zuna11 pipeline cases):
/// preparation, windows and their normalisation, the token mask and token arrays, and the assembly of the fixtures'
/// per-window model outputs into the full reconstruction, the hybrid, the mask and the annotations.
/// </summary>
public sealed class RepairFixtureTests
{
    public static TheoryData<string> Cases => [.. RepairFixture.Cases];

    [Theory]
    [MemberData(nameof(Cases))]
    public void PreparedRecordingMatchesTheOriginalWithinOneNanovolt(string name)
    {
        var f = RepairFixture.Get(name);
        Assert.Equal(f.Meta.GetProperty("channels_after_prep").EnumerateArray().Select(e => e.GetString()), f.Prepared.ChannelNames);
        Assert.Equal(f.Meta.GetProperty("bads_after_prep").EnumerateArray().Select(e => e.GetString()), f.Prepared.Bads);
        Assert.Equal(f.Meta.GetProperty("upsampled_channels").EnumerateArray().Select(e => e.GetString()), f.Prepared.UpsampledChannels);
        var expected = f.F32("preprocessed");
        Assert.Equal([f.Prepared.ChannelCount, f.Prepared.SampleCount], f.Shape("preprocessed"));
        Compare.Close($"{name} preprocessed", f.Prepared.Data.SelectMany(r => r).ToArray(), expected, 1e-9);
        Compare.Close($"{name} chan_pos", f.Prepared.Positions, f.F32("chan_pos"), 1e-7);
    }

    [Fact]
    public void ManualBadSegmentsGiveTheOriginalsPerSampleMask()
    {
        var f = RepairFixture.Get("fifA");
        var expected = f.U8("external_mask");
        var actual = f.Prepared.ExternalMask!.SelectMany(r => r.Select(b => b ? (byte)1 : (byte)0)).ToArray();
        Assert.Equal(expected.Length, actual.Length);
        Assert.True(expected.AsSpan().SequenceEqual(actual), "external mask differs");
        Assert.Contains((byte)1, actual);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void WindowsAndTheirStatisticsMatch(string name)
    {
        var f = RepairFixture.Get(name);
        var segments = f.Meta.GetProperty("segments").EnumerateArray().ToList();
        Assert.Equal(segments.Count, f.Plan.Windows.Count);
        Assert.Equal(f.Meta.GetProperty("output_n_times").GetInt32(), f.Plan.OutputSamples);
        foreach (var w in f.Plan.Windows)
        {
            var seg = segments[w.Index];
            Assert.Equal((seg.GetProperty("seg_start").GetInt32(), seg.GetProperty("seg_end").GetInt32()), (w.Start, w.End));
            string p = $"seg{w.Index}";
            Compare.Close($"{name} {p} seg_mean", w.Mean, f.F32($"{p}.seg_mean"), 1e-10);
            Compare.Close($"{name} {p} avg_ref_offset", w.Offset, f.F32($"{p}.avg_ref_offset"), 1e-10);
            var std = f.F32($"{p}.seg_std");
            for (int c = 0; c < std.Length; c++)
                Assert.True(Math.Abs(w.Std[c] - std[c]) <= 1e-6 * std[c], $"{name} {p} seg_std[{c}] {w.Std[c]:E6} vs {std[c]:E6}");
            Compare.Close($"{name} {p} eeg_signal", RepairTokens.Signal(w), f.F32($"{p}.eeg_signal"), 2e-6);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TokenMaskTokensAndIndicesMatchExactly(string name)
    {
        var f = RepairFixture.Get(name);
        int maskedTotal = 0;
        foreach (var w in f.Plan.Windows)
        {
            string p = $"seg{w.Index}";
            var mask = RepairTokens.Mask(w);
            Assert.Equal(f.U8($"{p}.token_mask"), mask);
            Assert.Equal(f.Meta.GetProperty("segments")[w.Index].GetProperty("n_masked_tokens").GetInt32(), mask.Count(m => m == 1));
            Assert.Equal(f.I64($"{p}.tok_idx"), RepairTokens.Index(f.Prepared.Positions, w.ChannelCount, w.TokensPerChannel));
            Assert.Equal(f.I64($"{p}.chan_id"), RepairTokens.ChannelIds(w.ChannelCount, w.TokensPerChannel));
            var tokens = RepairTokens.EncoderInput(w);
            Compare.Close($"{name} {p} tokens", tokens, f.F32($"{p}.tokens"), 2e-6);
            for (int s = 0; s < mask.Length; s++)
                if (mask[s] == 1) Assert.True(tokens.AsSpan(s * 32, 32).IndexOfAnyExcept(0f) < 0, $"{name} {p} masked token {s} is not zero");
            maskedTotal += mask.Count(m => m == 1);
        }
        Assert.True(maskedTotal > 0);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void AssemblyOfTheFixtureModelOutputMatchesFullHybridMaskAndAnnotations(string name)
    {
        var f = RepairFixture.Get(name);
        var outputs = f.ModelOutputs();
        var (full, preSeam, _) = RepairAssembler.Stitch(f.Plan, outputs);
        var result = RepairAssembler.Assemble(f.Plan, outputs);

        Assert.Equal(f.U8("mask"), result.Mask);
        WithinWindowTolerance(f, "full_reconstruction", full, 1);
        WithinWindowTolerance(f, "full_reconstruction", result.Full, 1);
        WithinWindowTolerance(f, "hybrid_pre_seam", preSeam, 1);
        // Seam correction spreads the error at a run's two ends over the run: allow that end error on top.
        WithinWindowTolerance(f, "hybrid", result.Hybrid, 2);

        var expected = f.Meta.GetProperty("output_annotations").EnumerateArray().Select(a => (
            a.GetProperty("onset").GetDouble(), a.GetProperty("duration").GetDouble(), a.GetProperty("description").GetString(),
            string.Join(",", a.GetProperty("ch_names").EnumerateArray().Select(e => e.GetString())))).ToList();
        var actual = result.Annotations.Select(a => (a.Onset, a.Duration, (string?)a.Description, string.Join(",", a.ChannelNames))).ToList();
        Assert.Equal(expected, actual);
        Assert.Equal(f.Meta.GetProperty("output_bads").EnumerateArray().Select(e => e.GetString()), result.Bads);
    }

    /// <summary>README tolerance: within 5e-5 × 10 × the window's per-channel σ (times <paramref name="factor"/>).</summary>
    private static void WithinWindowTolerance(RepairFixture f, string tensor, float[] actual, double factor)
    {
        var expected = f.F32(tensor);
        int n = f.Plan.OutputSamples;
        Assert.Equal(actual.Length, expected.Length);
        foreach (var w in f.Plan.Windows)
            for (int c = 0; c < w.ChannelCount; c++)
            {
                double tolerance = factor * 5e-5 * 10 * w.Std[c], worst = 0;
                for (int t = w.Start; t < w.End; t++)
                    worst = Math.Max(worst, Math.Abs((double)actual[c * n + t] - expected[c * n + t]));
                Assert.True(worst <= tolerance, $"{f.Name} {tensor} window {w.Index} channel {f.Prepared.ChannelNames[c]}: max diff {worst:E2} > {tolerance:E2}");
            }
    }
}
