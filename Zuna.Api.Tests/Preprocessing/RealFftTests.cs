using Zuna.Engine.Signal;

namespace Zuna.Api.Tests.Preprocessing;

/// <summary>Both FFT back ends (MathNet below <see cref="RealFft.NativeThreshold"/>, libtorch above) against a direct DFT.</summary>
public class RealFftTests
{
    [Theory]
    [InlineData(1000)]
    [InlineData(4096)]   // power of two, managed radix-2
    [InlineData(64)]
    [InlineData(2097)]   // odd, 3·699: the 1000 → 256 Hz irfft length of the brainvision file
    [InlineData(16384)]
    [InlineData(20011)]  // prime, libtorch
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
}
