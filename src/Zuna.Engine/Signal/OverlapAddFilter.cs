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
        double[] tapSpectrum = TapSpectrum(blockLength);

        var padded = scratch.Get(SignalScratch.FilterPad, paddedLength).AsSpan(0, paddedLength);
        Padding.ReflectLimited(x, edge, edge, padded);
        int segmentLength = blockLength - tapCount + 1;
        int segments = (paddedLength + segmentLength - 1) / segmentLength;
        // All zero-padded segments side by side, convolved in one call, then overlap-added.
        var blocks = scratch.Get(SignalScratch.FilterBlocks, segments * blockLength);
        for (int s = 0; s < segments; s++)
        {
            int start = s * segmentLength;
            int count = Math.Min(segmentLength, paddedLength - start);
            padded.Slice(start, count).CopyTo(blocks.AsSpan(s * blockLength));
            blocks.AsSpan(s * blockLength + count, blockLength - count).Clear();
        }
        RealFft.ConvolveRows(blocks, segments, blockLength, tapSpectrum);

        // Overlap-add straight into x: only output samples 0..n−1 are kept (x was copied into the pad above).
        x.Clear();
        int shift = (tapCount - 1) / 2 + edge;
        for (int s = 0; s < segments; s++)
        {
            int start = s * segmentLength;
            var product = blocks.AsSpan(s * blockLength, blockLength);
            int outStart = Math.Max(0, start - shift);
            int outStop = Math.Min(Math.Min(start - shift + blockLength, paddedLength), n);
            int productStart = Math.Max(0, shift - start);
            for (int i = 0; i < outStop - outStart; i++) x[outStart + i] += product[productStart + i];
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
