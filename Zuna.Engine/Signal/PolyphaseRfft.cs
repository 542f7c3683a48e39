using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Zuna.Engine.Signal;

/// <summary>
/// The lowest bins of a long real FFT from P shorter ones (one decimation-in-time step done by hand):
/// with Y_p = rfft(x[p::P]) of length L = n/P, X[k] = Σ_p W_n^{pk} · Y_p[k mod L] (Y_p[L−j] = conj Y_p[j]),
/// evaluated by Horner's rule in w = W_n^k. Exact up to rounding (a few ulps); used by the resampler, which needs only
/// bins 0..newLength/2 of its 2^22-point forward transform when one hour at 1 kHz goes to 256 Hz. P batched
/// transforms of 2^19 points stay in cache and skip the 64 MB of fresh work memory libtorch takes for the one-piece
/// transform (timings in bench/preprocess/NOTES.md).
/// </summary>
internal static class PolyphaseRfft
{
    /// <summary>Transforms shorter than this are done in one piece.</summary>
    public const int MinLength = 1 << 18;

    /// <summary>Rows the transform is split into: sub-transforms of about 2^18–2^19 points.</summary>
    public static int Phases(int n) => Math.Clamp(n >> 19, 1, 16);

    private static readonly ConcurrentDictionary<(int N, int Bins), double[]> Twiddles = new();

    /// <summary>exp(−2πi k/n) for k &lt; bins, interleaved (re, im); kept per (n, bins) as recordings repeat lengths.</summary>
    private static double[] TwiddleTable(int n, int bins)
    {
        if (Twiddles.Count >= 8 && !Twiddles.ContainsKey((n, bins))) Twiddles.Clear(); // bounded: one per recording length
        return Twiddles.GetOrAdd((n, bins), BuildTwiddles);
    }

    private static double[] BuildTwiddles((int N, int Bins) key)
    {
        var t = new double[2 * key.Bins];
        for (int k = 0; k < key.Bins; k++)
        {
            var (sin, cos) = Math.SinCos(-2 * Math.PI * k / key.N);
            t[2 * k] = cos;
            t[2 * k + 1] = sin;
        }
        return t;
    }

    /// <summary>
    /// Bins 0..bins−1 of rfft(padded[0..n)) as a [bins] complex128 tensor (in the caller's dispose scope). n must be a
    /// multiple of <see cref="Phases"/>(n) and bins ≤ n/2+1.
    /// </summary>
    public static torch.Tensor LowBins(double[] padded, int n, int bins, SignalScratch scratch)
    {
        int phases = Phases(n);
        int rowLength = n / phases;
        if (rowLength * phases != n || bins > n / 2 + 1) throw new ArgumentException("unsupported polyphase split", nameof(n));
        // rows[p][j] = x[j·P + p]: the polyphase components side by side, one batched transform.
        var rows = scratch.Tensor(SignalScratch.PolyphaseRowsTensor, n); // libtorch memory, reused per worker
        Deinterleave(padded, MemoryMarshal.Cast<byte, double>(rows.bytes), rowLength, phases);
        var input = rows.view(phases, rowLength);
        var y = torch.view_as_real(RealFft.Torch.Rfft(input, dim: -1)).contiguous(); // [P, L/2+1, 2]
        var spectrum = torch.empty(new long[] { bins, 2 }, torch.float64);
        Combine(MemoryMarshal.Cast<byte, double>(y.bytes), MemoryMarshal.Cast<byte, double>(spectrum.bytes),
            TwiddleTable(n, bins), phases, rowLength, bins);
        return torch.view_as_complex(spectrum);
    }

    /// <summary>
    /// <see cref="LowBins(double[], int, int, SignalScratch)"/> of the reflect-limited padding of float samples
    /// (<see cref="Padding.ReflectLimited(ReadOnlySpan{float}, int, int, Span{double})"/>, left pad
    /// <paramref name="left"/>, total length n), written straight into the polyphase rows: no padded copy in between.
    /// </summary>
    public static torch.Tensor LowBins(ReadOnlySpan<float> x, int left, int n, int bins, SignalScratch scratch)
    {
        int phases = Phases(n);
        int rowLength = n / phases;
        if (rowLength * phases != n || bins > n / 2 + 1 || left < 0 || left + x.Length > n || x.Length == 0)
            throw new ArgumentException("unsupported polyphase split", nameof(n));
        var rowsTensor = scratch.Tensor(SignalScratch.PolyphaseRowsTensor, n);
        var rows = MemoryMarshal.Cast<byte, double>(rowsTensor.bytes);
        for (int p = 0; p < phases; p++) PadRow(x, left, n, p, phases, rows.Slice(p * rowLength, rowLength));
        var y = torch.view_as_real(RealFft.Torch.Rfft(rowsTensor.view(phases, rowLength), dim: -1)).contiguous(); // [P, L/2+1, 2]
        var spectrum = torch.empty(new long[] { bins, 2 }, torch.float64);
        Combine(MemoryMarshal.Cast<byte, double>(y.bytes), MemoryMarshal.Cast<byte, double>(spectrum.bytes),
            TwiddleTable(n, bins), phases, rowLength, bins);
        return torch.view_as_complex(spectrum);
    }

    /// <summary>row[j] = padded[j·P + p], the padded signal being zeros, 2·x[0] − x[left−i], x, 2·x[^1] − x[…], zeros.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PadRow(ReadOnlySpan<float> x, int left, int n, int p, int phases, Span<double> row)
    {
        int count = x.Length;
        int leftReflected = Math.Min(left, count - 1), leftZeros = left - leftReflected;
        int right = n - left - count, rightReflected = Math.Min(right, count - 1);
        int centreEnd = left + count, reflectedEnd = centreEnd + rightReflected;
        // First j with j·P + p ≥ i.
        int rowLength = row.Length;
        int J(int i) => i <= p ? 0 : Math.Min((i - p + phases - 1) / phases, rowLength);
        int j0 = J(leftZeros), j1 = J(left), j2 = J(centreEnd), j3 = J(reflectedEnd);
        row[..j0].Clear();
        double first = x[0], last = x[count - 1];
        for (int j = j0, i = j0 * phases + p; j < j1; j++, i += phases) row[j] = 2 * first - x[left - i];
        for (int j = j1, i = j1 * phases + p - left; j < j2; j++, i += phases) row[j] = x[i];
        for (int j = j2, i = j2 * phases + p - centreEnd; j < j3; j++, i += phases) row[j] = 2 * last - x[count - 2 - i];
        row[j3..].Clear();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Deinterleave(double[] x, Span<double> rows, int rowLength, int phases)
    {
        for (int p = 0; p < phases; p++)
        {
            var row = rows.Slice(p * rowLength, rowLength);
            for (int j = 0, i = p; j < row.Length; j++, i += phases) row[j] = x[i];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Combine(ReadOnlySpan<double> y, Span<double> dest, double[] twiddles, int phases, int rowLength, int bins)
    {
        int rowBins = rowLength / 2 + 1, stride = 2 * rowBins;
        for (int k = 0; k < bins; k++)
        {
            int j = k % rowLength;
            double sign = 1;
            if (j >= rowBins) { j = rowLength - j; sign = -1; } // Y_p[L−j] = conj Y_p[j]
            double wr = twiddles[2 * k], wi = twiddles[2 * k + 1];
            int at = (phases - 1) * stride + 2 * j;
            double ar = y[at], ai = sign * y[at + 1];
            for (int p = phases - 2; p >= 0; p--)
            {
                at -= stride;
                double nr = ar * wr - ai * wi + y[at];
                ai = ar * wi + ai * wr + sign * y[at + 1];
                ar = nr;
            }
            dest[2 * k] = ar;
            dest[2 * k + 1] = ai;
        }
    }
}
