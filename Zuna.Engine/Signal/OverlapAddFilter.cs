using System.Runtime.InteropServices;
using TorchSharp;

namespace Zuna.Engine.Signal;

/// <summary>
/// MNE's zero-phase FIR application by overlap-add FFT convolution (mne/filter.py <c>_overlap_add_filter</c>,
/// <c>_1d_overlap_filter</c>) with <c>pad='reflect_limited'</c>, as <c>Raw.filter</c> uses it.
/// One instance holds the taps and the spectra of the taps for each FFT length met so far.
/// </summary>
public sealed class OverlapAddFilter(double[] taps)
{
    private readonly double[] _taps = taps.Length % 2 == 1 ? taps : throw new ArgumentException("zero-phase filtering needs an odd number of taps", nameof(taps));
    private readonly Dictionary<int, double[]> _tapSpectra = [];
    private readonly Dictionary<int, torch.Tensor> _tapTensors = [];
    private readonly Lock _gate = new();

    public int TapCount => _taps.Length;

    /// <summary>
    /// The FFT block length MNE picks for a padded signal of <paramref name="paddedLength"/> samples: the cheapest
    /// power of two by its cost model, or the smallest 5-smooth number ≥ 2N−1 when the signal is shorter than that.
    /// </summary>
    public static int BlockLength(int tapCount, int paddedLength)
    {
        int minFft = 2 * tapCount - 1;
        if (paddedLength < minFft) return NextFiveSmooth(minFft);
        int kMin = (int)Math.Ceiling(Math.Log2(minFft)), kMax = (int)Math.Ceiling(Math.Log2(paddedLength));
        int best = 0;
        double bestCost = double.PositiveInfinity;
        for (int k = kMin; k <= kMax; k++)
        {
            double nf = Math.Pow(2, k);
            double cost = Math.Ceiling(paddedLength / (nf - tapCount + 1)) * nf * (k + 1) + 4e-5 * nf * paddedLength;
            if (cost < bestCost) { bestCost = cost; best = 1 << k; } // first minimum, like np.argmin
        }
        return best;
    }

    /// <summary>Smallest 2^a·3^b·5^c ≥ n (MNE's next_fast_len).</summary>
    public static int NextFiveSmooth(int n)
    {
        if (n <= 6) return Math.Max(n, 1);
        long best = long.MaxValue;
        for (long p5 = 1; p5 < 2L * n; p5 *= 5)
            for (long p35 = p5; p35 < 2L * n; p35 *= 3)
            {
                long v = p35;
                while (v < n) v *= 2;
                if (v < best) best = v;
            }
        return (int)best;
    }

    /// <summary>Filters <paramref name="x"/> in place (zero phase, (N−1)/2 delay removed, reflect-limited edges).
    /// <paramref name="scratch"/> (optional) lends the work arrays, so a worker filtering many channels reuses them.</summary>
    public void Apply(Span<double> x, SignalScratch? scratch = null)
    {
        int n = x.Length;
        if (n == 0) return;
        scratch = SignalScratch.OrNew(scratch);
        int tapCount = _taps.Length;
        int edge = Math.Max(Math.Min(tapCount, n) - 1, 0);
        int paddedLength = n + 2 * edge;
        int blockLength = BlockLength(tapCount, paddedLength);

        var padded = scratch.Get(SignalScratch.FilterPad, paddedLength).AsSpan(0, paddedLength);
        Padding.ReflectLimited(x, edge, edge, padded);
        int segmentLength = blockLength - tapCount + 1;
        int segments = (paddedLength + segmentLength - 1) / segmentLength;
        if (RealFft.UsesNative(blockLength))
        {
            ApplyNative(x, padded, blockLength, segments, scratch);
            return;
        }
        // Short power-of-two blocks (short recordings): the managed transform, block by block.
        double[] tapSpectrum = TapSpectrum(blockLength);
        var blocks = scratch.Get(SignalScratch.FilterBlocks, segments * blockLength);
        FillBlocks(padded, blocks, blockLength, segments);
        for (int s = 0; s < segments; s++)
        {
            var block = blocks.AsSpan(s * blockLength, blockLength);
            double[] product = RealFft.Forward(block, blockLength);
            for (int i = 0; i < product.Length; i += 2)
            {
                double re = product[i] * tapSpectrum[i] - product[i + 1] * tapSpectrum[i + 1];
                double im = product[i] * tapSpectrum[i + 1] + product[i + 1] * tapSpectrum[i];
                product[i] = re;
                product[i + 1] = im;
            }
            RealFft.Inverse(product, blockLength).CopyTo(block);
        }
        OverlapAdd(blocks, x, blockLength, segments, paddedLength);
    }

    /// <summary>The same convolution inside libtorch: the blocks are written straight into a libtorch buffer (reused per
    /// worker) and the products are overlap-added straight from libtorch's output, with no managed copies.</summary>
    private void ApplyNative(Span<double> x, ReadOnlySpan<double> padded, int blockLength, int segments, SignalScratch scratch)
    {
        using var scope = torch.NewDisposeScope();
        var blocksTensor = scratch.Tensor(SignalScratch.FilterBlocksTensor, (long)segments * blockLength);
        FillBlocks(padded, MemoryMarshal.Cast<byte, double>(blocksTensor.bytes), blockLength, segments);
        var rows = blocksTensor.view(segments, blockLength);
        var products = RealFft.Torch.Irfft(RealFft.Torch.Rfft(rows, dim: -1) * TapSpectrumTensor(blockLength), blockLength, dim: -1).contiguous(); // [segments, blockLength]
        OverlapAdd(MemoryMarshal.Cast<byte, double>(products.bytes), x, blockLength, segments, padded.Length);
    }

    /// <summary>Zero-padded segments of the padded signal side by side, one per row of blockLength.</summary>
    private void FillBlocks(ReadOnlySpan<double> padded, Span<double> blocks, int blockLength, int segments)
    {
        int segmentLength = blockLength - _taps.Length + 1;
        for (int s = 0; s < segments; s++)
        {
            int start = s * segmentLength;
            int count = Math.Min(segmentLength, padded.Length - start);
            padded.Slice(start, count).CopyTo(blocks.Slice(s * blockLength));
            blocks.Slice(s * blockLength + count, blockLength - count).Clear();
        }
    }

    /// <summary>Overlap-adds the convolved blocks straight into x: only output samples 0..n−1 are kept (x was copied
    /// into the pad before).</summary>
    private void OverlapAdd(ReadOnlySpan<double> blocks, Span<double> x, int blockLength, int segments, int paddedLength)
    {
        int n = x.Length, tapCount = _taps.Length;
        int segmentLength = blockLength - tapCount + 1;
        int edge = (paddedLength - n) / 2;
        x.Clear();
        int shift = (tapCount - 1) / 2 + edge;
        for (int s = 0; s < segments; s++)
        {
            int start = s * segmentLength;
            var product = blocks.Slice(s * blockLength, blockLength);
            int outStart = Math.Max(0, start - shift);
            int outStop = Math.Min(Math.Min(start - shift + blockLength, paddedLength), n);
            int productStart = Math.Max(0, shift - start);
            for (int i = 0; i < outStop - outStart; i++) x[outStart + i] += product[productStart + i];
        }
    }

    /// <summary>The taps' spectrum as a complex128 tensor per block length, made once (outside any dispose scope).</summary>
    private torch.Tensor TapSpectrumTensor(int blockLength)
    {
        double[] packed = TapSpectrum(blockLength);
        lock (_gate)
        {
            if (!_tapTensors.TryGetValue(blockLength, out var t))
            {
                using (torch.NewDisposeScope())
                {
                    var pairs = torch.empty(new long[] { packed.Length / 2, 2 }, torch.float64);
                    packed.AsSpan().CopyTo(MemoryMarshal.Cast<byte, double>(pairs.bytes));
                    t = torch.view_as_complex(pairs).DetachFromDisposeScope();
                }
                _tapTensors[blockLength] = t;
            }
            return t;
        }
    }

    private double[] TapSpectrum(int blockLength)
    {
        lock (_gate)
        {
            if (!_tapSpectra.TryGetValue(blockLength, out var spectrum))
                _tapSpectra[blockLength] = spectrum = RealFft.Forward(_taps, blockLength);
            return spectrum;
        }
    }
}
