using TorchSharp;
using Zuna.Engine.Preprocessing;
using Zuna.Engine.Signal;

namespace Zuna.Api.Tests.Preprocessing;

/// <summary>
/// The FFT back end (libtorch) and the managed radix-2 transform it leaves short powers of two to, against a direct
/// DFT and against each other.
/// </summary>
public class RealFftTests
{
    [Theory]
    [InlineData(64)]     // power of two below the threshold: managed radix-2
    [InlineData(4096)]
    [InlineData(8192)]
    [InlineData(1000)]   // not a power of two: libtorch
    [InlineData(2097)]   // odd, 3·699: the 1000 → 256 Hz irfft length of the brainvision file
    [InlineData(16384)]  // power of two at the threshold: libtorch
    [InlineData(20011)]  // prime
    public void ForwardAndInverseMatchADirectDft(int n)
    {
        var rng = new Random(n);
        var x = Enumerable.Range(0, n).Select(_ => rng.NextDouble() - 0.5).ToArray();
        double[] spectrum = RealFft.Forward(x, n);
        Assert.Equal(RealFft.PackedLength(n), spectrum.Length);
        foreach (int k in new[] { 0, 1, 7, n / 3, n / 2 })
        {
            double re = 0, im = 0;
            for (int t = 0; t < n; t++)
            {
                double angle = -2 * Math.PI * ((long)k * t % n) / n;
                re += x[t] * Math.Cos(angle);
                im += x[t] * Math.Sin(angle);
            }
            Assert.Equal(re, spectrum[2 * k], 1e-9);
            Assert.Equal(im, spectrum[2 * k + 1], 1e-9);
        }
        double[] back = RealFft.Inverse(spectrum, n);
        Assert.Equal(n, back.Length);
        Assert.True(x.Zip(back, (a, b) => Math.Abs(a - b)).Max() < 1e-12);
    }

    [Fact]
    public void InverseIgnoresImaginaryPartsOfDcAndNyquistLikePocketfft()
    {
        foreach (int n in new[] { 64, 32768 })
        {
            var spectrum = new double[RealFft.PackedLength(n)];
            spectrum[0] = 1; spectrum[2] = 0.5; spectrum[n] = 2;
            var clean = RealFft.Inverse(spectrum, n);
            spectrum[1] = 5; spectrum[n + 1] = 7;
            Assert.Equal(clean, RealFft.Inverse(spectrum, n));
        }
    }

    /// <summary>The managed transform gives libtorch's numbers to rounding at the lengths it takes over.</summary>
    [Theory]
    [InlineData(4)]
    [InlineData(64)]
    [InlineData(4096)]
    [InlineData(8192)]
    public void ManagedPowerOfTwoTransformMatchesLibtorch(int n)
    {
        Assert.False(RealFft.UsesNative(n, runtimeUp: false));
        Assert.True(RealFft.UsesNative(n, runtimeUp: true));
        var rng = new Random(n + 1);
        var x = Enumerable.Range(0, n).Select(_ => rng.NextDouble() - 0.5).ToArray();
        double[] managed = new double[RealFft.PackedLength(n)];
        PowerOfTwoFft.Forward(x, n, managed);
        double[] native;
        double[] nativeBack;
        using (torch.NewDisposeScope())
        {
            var spectrum = RealFft.Torch.Rfft(torch.tensor(x, torch.float64));
            native = torch.view_as_real(spectrum).contiguous().data<double>().ToArray();
            nativeBack = RealFft.Torch.Irfft(spectrum, n).contiguous().data<double>().ToArray();
        }
        double scale = native.Max(Math.Abs);
        Assert.Equal(native.Length, managed.Length);
        Assert.True(native.Zip(managed, (a, b) => Math.Abs(a - b)).Max() <= 1e-12 * scale, "forward differs");
        double[] managedBack = new double[n];
        PowerOfTwoFft.Inverse(managed, n, managedBack);
        Assert.True(nativeBack.Zip(managedBack, (a, b) => Math.Abs(a - b)).Max() <= 1e-12 * x.Max(Math.Abs), "inverse differs");
    }

    /// <summary>
    /// A recording that is already at 256 Hz and a few epochs long is high-passed in blocks the managed transform takes,
    /// so the CLI preprocesses it without loading libtorch.
    /// </summary>
    [Theory]
    [InlineData(1280)] // one 5-s epoch
    [InlineData(3840)] // the tutorial recording
    public void ShortRecordingsAt256HzAreFilteredWithoutLibtorch(int samples)
    {
        var filter = Stages.CreateHighPass();
        int edge = Math.Min(filter.TapCount, samples) - 1; // as OverlapAddFilter.Apply pads
        Assert.False(RealFft.UsesNative(OverlapAddFilter.BlockLength(filter.TapCount, samples + 2 * edge), runtimeUp: false));
    }
}
