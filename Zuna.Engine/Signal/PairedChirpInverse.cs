using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Zuna.Engine.Signal;

/// <summary>
/// A window y[start .. start+count) of irfft(X, m) for many channels at once, for lengths m with a large prime factor
/// (the 67109 = 7·9587-point irfft of 500 Hz or 1 kHz → 256 Hz), which libtorch transforms an order of magnitude
/// slower than a nearby power of two (bench/preprocess/NOTES.md).
/// Two channels share one complex transform: with each spectrum extended to all m bins (X[m−k] = conj X[k]) the inverse
/// DFT of A + i·B is y_A + i·y_B, both real. The inverse DFT of that window is a chirp-z (Bluestein) convolution,
/// km = (k² + t² − (t−k)²)/2, done with power-of-two FFTs of length ≥ m + count − 1 whose chirps are cached per length.
/// Exact up to rounding (~1e-15 relative).
/// </summary>
internal static class PairedChirpInverse
{
    /// <summary>Only lengths whose largest prime factor exceeds this, and transforms up to MaxLength, use this path.</summary>
    private const int LargePrime = 4096;
    private const int MaxLength = 1 << 19;
    private const int MaxKernels = 8;

    /// <summary>Channels from which the chirp set-up, paid once per new length, pays off against libtorch's irfft.</summary>
    public const int MinChannels = 8;

    public static bool Worthwhile(int m, int count) =>
        LargestPrimeFactor(m) > LargePrime && (long)m + count - 1 <= MaxLength;

    private static int LargestPrimeFactor(int n)
    {
        int largest = 1;
        for (int d = 2; (long)d * d <= n; d++)
            while (n % d == 0) { largest = d; n /= d; }
        return Math.Max(largest, n);
    }

    private sealed record Kernel(int Length, torch.Tensor InputChirp, torch.Tensor FilterSpectrum, torch.Tensor OutputChirp);

    private static readonly ConcurrentDictionary<(int M, int Start, int Count), Kernel> Kernels = new();

    private static Kernel For(int m, int start, int count)
    {
        if (Kernels.Count >= MaxKernels && !Kernels.ContainsKey((m, start, count))) Kernels.Clear(); // one per recording length
        return Kernels.GetOrAdd((m, start, count), static key =>
        {
            var (m, start, count) = key;
            int length = 1 << (int)Math.Ceiling(Math.Log2(m + count - 1));
            using var scope = torch.NewDisposeScope();
            var filter = torch.zeros(length, torch.complex128);
            // g[i] = e^{−iπ j²/m} for j = start − (m−1) + i: every difference t − k the window needs.
            filter.narrow(0, 0, m + count - 1).copy_(Chirp(m, start - (m - 1), m + count - 1, -1));
            return new Kernel(length,
                Chirp(m, 0, m, +1).DetachFromDisposeScope(),
                RealFft.Torch.Fft(filter).DetachFromDisposeScope(),
                Chirp(m, start, count, +1).DetachFromDisposeScope());
        });
    }

    /// <summary>e^{iπ·sign·j²/m} for j = first .. first+count−1; the angle comes from j² mod 2m, exact in integers.</summary>
    private static torch.Tensor Chirp(int m, long first, int count, double sign)
    {
        var t = torch.empty(new long[] { count, 2 }, torch.float64);
        var v = MemoryMarshal.Cast<byte, double>(t.bytes);
        ulong period = 2UL * (ulong)m;
        for (int i = 0; i < count; i++)
        {
            ulong j = (ulong)Math.Abs(first + i) % period;
            ulong r = j * j % period; // j < 2^32, so j² fits
            var (sin, cos) = Math.SinCos(sign * Math.PI * r / m);
            v[2 * i] = cos;
            v[2 * i + 1] = sin;
        }
        return torch.view_as_complex(t);
    }

    /// <summary>
    /// irfft(kept, m)[start .. start+count) for each row of <paramref name="kept"/> ([C, bins] complex, bins ≤ m/2+1,
    /// imaginary parts of bin 0 and of bin m/2 zero, as pocketfft's c2r treats them). Returns a contiguous [C, count].
    /// </summary>
    public static torch.Tensor Window(torch.Tensor kept, int m, int start, int count)
    {
        int channels = (int)kept.shape[0], bins = (int)kept.shape[1];
        var kernel = For(m, start, count);
        int pairs = (channels + 1) / 2;
        // Full Hermitian spectra [2·pairs, m]: bins, zeros, then conj of bins 1.. mirrored (bin m/2 once).
        var full = torch.zeros(new long[] { 2 * pairs, m }, torch.complex128);
        full.narrow(0, 0, channels).narrow(1, 0, bins).copy_(kept);
        int mirrored = bins - 1 - (m % 2 == 0 && bins - 1 == m / 2 ? 1 : 0);
        if (mirrored > 0)
            full.narrow(0, 0, channels).narrow(1, m - mirrored, mirrored).copy_(kept.narrow(1, 1, mirrored).flip(1).conj());
        // A + i·B per pair, in (re, im) form: (A.re − B.im, A.im + B.re).
        var parts = torch.view_as_real(full).view(pairs, 2, m, 2);
        var a = parts.select(1, 0);
        var b = parts.select(1, 1);
        var packed = torch.stack([a.select(-1, 0).Minus(b.select(-1, 1)), a.select(-1, 1).Plus(b.select(-1, 0))], dim: -1); // [pairs, m, 2]
        var input = torch.zeros(new long[] { pairs, kernel.Length }, torch.complex128);
        input.narrow(1, 0, m).copy_(torch.view_as_complex(packed) * kernel.InputChirp);
        var convolved = RealFft.Torch.Ifft(RealFft.Torch.Fft(input, dim: -1) * kernel.FilterSpectrum, dim: -1); // [pairs, length]
        var z = convolved.narrow(1, m - 1, count) * kernel.OutputChirp;                                  // [pairs, count]
        var y = torch.stack([torch.real(z), torch.imag(z)], dim: 1).reshape(2 * pairs, count);          // [2·pairs, count]
        return y.narrow(0, 0, channels).Times(1.0 / m).contiguous();
    }
}
