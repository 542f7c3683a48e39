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
        // The batched path (all channels in one libtorch call) on two copies of the same channel, float input.
        var asFloat = Array.ConvertAll(x, v => (float)v);
        double[][]? batched = FftResampler.ResampleAll([asFloat, asFloat, asFloat], ratio, [n], maxBatchBytes: long.MaxValue);
        Assert.NotNull(batched);
        // Groups of two channels (a budget for two), then one left over.
        batched = [.. batched, .. FftResampler.ResampleAll([asFloat, asFloat, asFloat], ratio, [n], 2L * 24 * FftResampler.Plan.For(n, ratio).PaddedLength) ?? []];
        Assert.Equal(6, batched.Length);
        Assert.NotNull(batched);
        double[] floatReference = PlainSteps(Array.ConvertAll(asFloat, v => (double)v), ratio);
        // The float path (padding written straight into the polyphase rows).
        batched = [.. batched, FftResampler.Resample(asFloat, ratio)];
        foreach (var row in batched)
            Assert.True(row.Zip(floatReference, (a, b) => Math.Abs(a - b)).Max() <= 1e-12 * floatReference.Max(Math.Abs), "batched path differs");

        Assert.Equal(reference.Length, fast.Length);
        double scale = reference.Max(Math.Abs), diff = 0;
        for (int i = 0; i < fast.Length; i++) diff = Math.Max(diff, Math.Abs(fast[i] - reference[i]));
        Assert.True(diff <= 1e-12 * scale, $"max diff {diff:E3} vs scale {scale:E3}");
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
