using MathNet.Numerics.IntegralTransforms;

namespace Zuna.Engine.Signal;

/// <summary>
/// Real-input FFTs with numpy/scipy (pocketfft) conventions: forward unscaled, inverse scaled by 1/n,
/// spectra packed as interleaved (re, im) pairs of the n/2+1 non-negative-frequency bins.
/// Backed by MathNet.Numerics, which handles any length (Bluestein for awkward ones).
/// </summary>
public static class RealFft
{
    /// <summary>Doubles needed to hold the packed spectrum of a length-n real signal: 2·(n/2+1).</summary>
    public static int PackedLength(int n) => 2 * (n / 2 + 1);

    /// <summary>rfft(x, n): x is truncated or zero-padded to n samples. Returns 2·(n/2+1) doubles.</summary>
    public static double[] Forward(ReadOnlySpan<double> x, int n)
    {
        // MathNet transforms in place in an array of n+2 (even n) or n+1 (odd n) = PackedLength(n).
        var buffer = new double[PackedLength(n)];
        x[..Math.Min(x.Length, n)].CopyTo(buffer);
        Fourier.ForwardReal(buffer, n, FourierOptions.AsymmetricScaling);
        return buffer;
    }

    /// <summary>
    /// irfft(spectrum, n): uses bins 0..n/2 of <paramref name="packed"/> (zero-filled when it has fewer).
    /// Like pocketfft's c2r, the imaginary parts of bin 0 and (even n) bin n/2 are ignored.
    /// </summary>
    public static double[] Inverse(ReadOnlySpan<double> packed, int n)
    {
        var buffer = new double[PackedLength(n)];
        packed[..Math.Min(packed.Length, buffer.Length)].CopyTo(buffer);
        buffer[1] = 0;
        if (n % 2 == 0) buffer[n + 1] = 0;
        Fourier.InverseReal(buffer, n, FourierOptions.AsymmetricScaling);
        return n == buffer.Length ? buffer : buffer[..n];
    }
}
