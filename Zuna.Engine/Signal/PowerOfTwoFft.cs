using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Zuna.Engine.Signal;

/// <summary>
/// Real FFT for the short power-of-two lengths <see cref="RealFft.UsesNative(int)"/> keeps out of libtorch (the filter
/// blocks of a short 256-Hz recording; resampling when both of its lengths are such), so such a file is preprocessed
/// without loading libtorch at all: an iterative
/// radix-2 complex FFT of half the length plus the usual even/odd split. Twiddles come from Math.Cos/Math.Sin per
/// index rather than from a recurrence, so the accuracy is that of pocketfft (~1e-16 relative).
/// Conventions as <see cref="RealFft"/>: forward unscaled, inverse scaled by 1/n, packed (re, im) bins 0..n/2.
/// </summary>
internal static class PowerOfTwoFft
{
    private sealed class Plan
    {
        public readonly int Half;          // complex length n/2
        public readonly int[] BitReverse;  // permutation of 0..Half-1
        public readonly double[] Cos, Sin; // exp(-2πi j/Half), j < Half/2
        public readonly double[] SplitCos, SplitSin; // exp(-2πi k/n), k ≤ n/2

        public Plan(int n)
        {
            Half = n / 2;
            int bits = System.Numerics.BitOperations.Log2((uint)Half);
            BitReverse = new int[Half];
            for (int i = 0; i < Half; i++)
            {
                int r = 0;
                for (int b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
                BitReverse[i] = r;
            }
            Cos = new double[Math.Max(Half / 2, 1)];
            Sin = new double[Cos.Length];
            for (int j = 0; j < Cos.Length; j++)
            {
                double a = -2 * Math.PI * j / Half;
                Cos[j] = Math.Cos(a);
                Sin[j] = Math.Sin(a);
            }
            SplitCos = new double[Half + 1];
            SplitSin = new double[Half + 1];
            for (int k = 0; k <= Half; k++)
            {
                double a = -2 * Math.PI * k / n;
                SplitCos[k] = Math.Cos(a);
                SplitSin[k] = Math.Sin(a);
            }
        }
    }

    private static readonly ConcurrentDictionary<int, Plan> Plans = new();

    public static bool Supports(int n) => n >= 4 && (n & (n - 1)) == 0;

    private static Plan For(int n) => Plans.GetOrAdd(n, static m => new Plan(m));

    /// <summary>rfft of x (zero-padded/truncated to n) into packed[0 .. n+2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ReadOnlySpan<double> x, int n, Span<double> packed)
    {
        var plan = For(n);
        int half = plan.Half;
        var re = new double[half];
        var im = new double[half];
        int count = Math.Min(x.Length, n);
        for (int m = 0; m < half; m++)
        {
            int dst = plan.BitReverse[m];
            int i0 = 2 * m;
            re[dst] = i0 < count ? x[i0] : 0;
            im[dst] = i0 + 1 < count ? x[i0 + 1] : 0;
        }
        Butterflies(re, im, plan, inverse: false);

        // X[k] = (Z[k] + conj Z[h-k])/2 − i·w^k·(Z[k] − conj Z[h-k])/2, with Z[h] = Z[0].
        for (int k = 0; k <= half; k++)
        {
            int a = k == half ? 0 : k, b = k == 0 ? 0 : half - k;
            double zr = re[a], zi = im[a], cr = re[b], ci = -im[b];
            double er = 0.5 * (zr + cr), ei = 0.5 * (zi + ci);
            double or = 0.5 * (zr - cr), oi = 0.5 * (zi - ci);
            // −i·(or + i·oi) = oi − i·or
            double tr = oi, ti = -or;
            double wr = plan.SplitCos[k], wi = plan.SplitSin[k];
            packed[2 * k] = er + (wr * tr - wi * ti);
            packed[2 * k + 1] = ei + (wr * ti + wi * tr);
        }
    }

    /// <summary>irfft of packed bins 0..n/2 (imaginary parts of bins 0 and n/2 must already be zero) into x[0..n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Inverse(ReadOnlySpan<double> packed, int n, Span<double> x)
    {
        var plan = For(n);
        int half = plan.Half;
        var re = new double[half];
        var im = new double[half];
        for (int k = 0; k < half; k++)
        {
            // E = (X[k] + conj X[h-k])/2, O = (X[k] − conj X[h-k])/2 · conj(w^k); Z = E + i·O.
            double xr = packed[2 * k], xi = packed[2 * k + 1];
            double cr = packed[2 * (half - k)], ci = -packed[2 * (half - k) + 1];
            double er = 0.5 * (xr + cr), ei = 0.5 * (xi + ci);
            double dr = 0.5 * (xr - cr), di = 0.5 * (xi - ci);
            double wr = plan.SplitCos[k], wi = -plan.SplitSin[k];
            double or = dr * wr - di * wi, oi = dr * wi + di * wr;
            int dst = plan.BitReverse[k];
            re[dst] = er - oi;
            im[dst] = ei + or;
        }
        Butterflies(re, im, plan, inverse: true);
        double scale = 1.0 / half;
        for (int m = 0; m < half; m++)
        {
            x[2 * m] = re[m] * scale;
            x[2 * m + 1] = im[m] * scale;
        }
    }

    /// <summary>In-place radix-2 decimation-in-time on bit-reversed input.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Butterflies(double[] re, double[] im, Plan plan, bool inverse)
    {
        int n = plan.Half;
        double sign = inverse ? -1 : 1;
        for (int size = 2; size <= n; size <<= 1)
        {
            int halfSize = size >> 1;
            int step = n / size;
            for (int start = 0; start < n; start += size)
            {
                for (int j = 0, t = 0; j < halfSize; j++, t += step)
                {
                    double wr = plan.Cos[t], wi = sign * plan.Sin[t];
                    int p = start + j, q = p + halfSize;
                    double xr = re[q] * wr - im[q] * wi;
                    double xi = re[q] * wi + im[q] * wr;
                    re[q] = re[p] - xr; im[q] = im[p] - xi;
                    re[p] += xr; im[p] += xi;
                }
            }
        }
    }
}
