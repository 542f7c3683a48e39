using Zuna.Engine.Signal;

namespace Zuna.Api.Tests.Preprocessing;

/// <summary>
/// The resampler's fast path for long channels (rfft split into polyphase rows, only the kept bins combined, all inside
/// libtorch) and the batched one for short recordings against MNE's steps written out plainly with whole-length transforms: rfft of the padded signal, Nyquist
/// fix, scale new/old, irfft at the new length, trim. The reference FIF files are too short to reach this path.
/// </summary>
public class LongResampleTests
{
    [Theory]
    [InlineData(1_000_000, 1000.0)] // padded 2^20: two polyphase rows
    [InlineData(2_000_000, 1000.0)] // padded 2^21: four rows
    [InlineData(300_000, 512.0)]    // padded 2^19, one row; new length even
    [InlineData(250_000, 200.0)]    // upsampling: the spectrum is zero-extended and its Nyquist bin halved
    [InlineData(85_752, 500.0)]     // padded 2^17 (one-piece rfft), irfft length 67109 = 7·9587
    public void MatchesTheWholeLengthSteps(int n, double rate)
    {
        var rng = new Random(n);
        var x = new double[n];
        double drift = 0;
        for (int i = 0; i < n; i++) { drift += rng.NextDouble() - 0.5; x[i] = 1e-6 * (drift + Math.Sin(i * 0.05)); }
        double ratio = 256.0 / rate;

        double[] fast = FftResampler.Resample(x, ratio);
        double[] reference = PlainSteps(x, ratio);
        Assert.True(MaxDiff(fast, reference) <= 1e-12 * reference.Max(Math.Abs), "double path differs");
        // The batched path on distinct float channels: 9 of them for short signals (≥ 8: two channels per chirp-z
        // inverse when the irfft length has a large prime factor, one left over), 3 for long ones; then in groups of two.
        int channelCount = n <= 300_000 ? 9 : 3;
        var channels = Enumerable.Range(0, channelCount)
            .Select(c => Enumerable.Range(0, n).Select(i => (float)(x[i] * (1 + 0.1 * c) + 1e-7 * Math.Sin(i * 0.01 * (c + 1)))).ToArray())
            .ToArray();
        var references = channels.Select(ch => PlainSteps(Array.ConvertAll(ch, v => (double)v), ratio)).ToArray();
        var whole = FftResampler.ResampleAll(channels, ratio, [n], maxBatchBytes: long.MaxValue);
        var grouped = FftResampler.ResampleAll(channels, ratio, [n], 2L * 24 * FftResampler.Plan.For(n, ratio).PaddedLength);
        Assert.NotNull(whole);
        Assert.NotNull(grouped);
        for (int c = 0; c < channelCount; c++)
        {
            double limit = 1e-12 * references[c].Max(Math.Abs);
            Assert.True(MaxDiff(whole[c], references[c]) <= limit, $"batched channel {c} differs");
            Assert.True(MaxDiff(grouped[c], references[c]) <= limit, $"grouped channel {c} differs");
        }
        // The float path (padding written straight into the polyphase rows).
        Assert.True(MaxDiff(FftResampler.Resample(channels[1], ratio), references[1]) <= 1e-12 * references[1].Max(Math.Abs), "float path differs");
    }

    [Theory]
    [InlineData(128, 1000, 11)]   // EDF data records of a slower signal: 128 → 1000 samples per record
    [InlineData(5, 3, 1500)]      // many tiny records, downsampling
    [InlineData(100, 1009, 9)]    // prime record length: two rows per chirp-z inverse
    public void Records_upsampled_together_equal_each_record_alone(int n, int newLength, int records)
    {
        var rng = new Random(n * 31 + records);
        var rows = Enumerable.Range(0, n * records).Select(_ => rng.NextDouble() - 0.5).ToArray();
        var together = new double[records * newLength];
        FftResampler.ResampleRowsUnpadded(rows, records, newLength, together);
        for (int r = 0; r < records; r++)
        {
            var alone = FftResampler.ResampleUnpadded(rows.AsSpan(r * n, n), newLength);
            Assert.True(MaxDiff(together.AsSpan(r * newLength, newLength).ToArray(), alone) <= 1e-12, $"record {r} differs");
        }
    }

    private static double MaxDiff(double[] a, double[] b)
    {
        Assert.Equal(b.Length, a.Length);
        double d = 0;
        for (int i = 0; i < a.Length; i++) d = Math.Max(d, Math.Abs(a[i] - b[i]));
        return d;
    }

    private static double[] PlainSteps(double[] x, double ratio)
    {
        var plan = FftResampler.Plan.For(x.Length, ratio);
        var padded = Padding.ReflectLimited(x, plan.PadLeft, plan.PadRight);
        double[] spectrum = RealFft.Forward(padded, plan.PaddedLength);
        bool shorter = plan.NewLength < plan.PaddedLength;
        int use = shorter ? plan.NewLength : plan.PaddedLength;
        if (use % 2 == 0)
        {
            spectrum[use] *= shorter ? 2.0 : 0.5;
            spectrum[use + 1] *= shorter ? 2.0 : 0.5;
        }
        double s = (double)plan.NewLength / plan.PaddedLength;
        for (int i = 0; i < spectrum.Length; i++) spectrum[i] *= s;
        double[] y = RealFft.Inverse(spectrum, plan.NewLength);
        return y.AsSpan(plan.TrimLeft, plan.FinalLength).ToArray();
    }
}
