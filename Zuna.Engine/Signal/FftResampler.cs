using System.Runtime.InteropServices;
using TorchSharp;

namespace Zuna.Engine.Signal;

/// <summary>
/// MNE's FFT resampling (mne/filter.py <c>resample</c> + mne/cuda.py <c>_fft_resample</c>, MNE 1.3 defaults
/// npad='auto', window='boxcar', pad='reflect_limited'), one channel at a time, in double.
/// </summary>
public static class FftResampler
{
    /// <summary>Samples after resampling n samples by <paramref name="ratio"/> = new/old rate: max(round(ratio·n), 1), half to even.</summary>
    public static int OutputLength(int n, double ratio) => Math.Max((int)Math.Round(ratio * n, MidpointRounding.ToEven), 1);

    /// <summary>The padding, padded length and trims MNE uses for a signal of n samples.</summary>
    public readonly record struct Plan(int N, int PadLeft, int PadRight, int PaddedLength, int NewLength, int TrimLeft, int TrimRight, int FinalLength)
    {
        public static Plan For(int n, double ratio)
        {
            if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), "cannot resample an empty signal");
            int finalLength = OutputLength(n, ratio);
            // npad='auto': pad to the next power of two with at least min(n//8, 100) samples on each side.
            int minAdd = Math.Min(n / 8, 100) * 2;
            int total = 1 << (int)Math.Ceiling(Math.Log2(n + minAdd));
            int npad = total - n;
            int left = npad / 2, right = left + npad % 2;
            int padded = n + left + right;
            int newLength = Math.Max((int)Math.Round(ratio * padded, MidpointRounding.ToEven), 1);
            int trimLeft = (int)Math.Round(ratio * left, MidpointRounding.ToEven);
            int trimRight = newLength - finalLength - trimLeft;
            return new Plan(n, left, right, padded, newLength, trimLeft, trimRight, finalLength);
        }
    }

    /// <summary>Resamples one signal by ratio = new rate / old rate.</summary>
    public static double[] Resample(ReadOnlySpan<double> x, double ratio, SignalScratch? scratch = null)
    {
        var plan = Plan.For(x.Length, ratio);
        scratch = SignalScratch.OrNew(scratch);
        var padded = scratch.Get(SignalScratch.ResamplePad, plan.PaddedLength);
        Padding.ReflectLimited(x, plan.PadLeft, plan.PadRight, padded.AsSpan(0, plan.PaddedLength)); // writes every element
        return ResamplePadded(padded, plan, scratch);
    }

    /// <summary>
    /// Resamples one signal as MNE 1.3's <c>Epochs.resample</c> does: npad='auto' like <see cref="Resample(ReadOnlySpan{double}, double, SignalScratch?)"/>,
    /// but the pads repeat the end samples (numpy pad mode 'edge') instead of reflecting them.
    /// </summary>
    public static double[] ResampleEdgePadded(ReadOnlySpan<double> x, double ratio, SignalScratch? scratch = null)
    {
        var plan = Plan.For(x.Length, ratio);
        scratch = SignalScratch.OrNew(scratch);
        var padded = scratch.Get(SignalScratch.ResamplePad, plan.PaddedLength);
        padded.AsSpan(0, plan.PadLeft).Fill(x[0]);
        x.CopyTo(padded.AsSpan(plan.PadLeft, x.Length));
        padded.AsSpan(plan.PadLeft + x.Length, plan.PadRight).Fill(x[^1]);
        return ResamplePadded(padded, plan, scratch);
    }

    /// <summary>
    /// MNE's <c>resample(x, newLength, x.Length, npad=0)</c>: no padding, so the edges wrap around. EDF readers resample
    /// slower signals this way, one data record at a time.
    /// </summary>
    public static double[] ResampleUnpadded(ReadOnlySpan<double> x, int newLength, SignalScratch? scratch = null)
    {
        int n = x.Length;
        var plan = new Plan(n, 0, 0, n, newLength, 0, 0, newLength);
        scratch = SignalScratch.OrNew(scratch);
        var padded = scratch.Get(SignalScratch.ResamplePad, n);
        x.CopyTo(padded);
        return ResamplePadded(padded, plan, scratch);
    }

    /// <summary>
    /// <see cref="ResampleUnpadded"/> of <paramref name="rowCount"/> rows of equal length laid end to end (an EDF signal's
    /// data records), row r's output written to <paramref name="output"/>[r·newLength ..]: where libtorch does the
    /// transforms, one batched rfft/irfft for all rows instead of a native call per row.
    /// </summary>
    public static void ResampleRowsUnpadded(ReadOnlySpan<double> rows, int rowCount, int newLength, Span<double> output, SignalScratch? scratch = null)
    {
        int n = rows.Length / rowCount;
        if (!RealFft.UsesNative(n) && !RealFft.UsesNative(newLength))
        {
            for (int r = 0; r < rowCount; r++)
                ResampleUnpadded(rows.Slice(r * n, n), newLength, scratch).CopyTo(output.Slice(r * newLength, newLength));
            return;
        }
        var plan = new Plan(n, 0, 0, n, newLength, 0, 0, newLength);
        using var scope = torch.NewDisposeScope();
        var signal = torch.empty(new long[] { rowCount, n }, torch.float64);
        rows.CopyTo(MemoryMarshal.Cast<byte, double>(signal.bytes));
        var kept = RealFft.Torch.Rfft(signal, dim: -1).narrow(-1, 0, KeptBins(plan)).clone(); // [rows, bins]
        MemoryMarshal.Cast<byte, double>(InverseKept(kept, plan).bytes).CopyTo(output);       // [rows, newLength]
    }

    /// <summary>Resamples float samples (a channel as read), widening to double while padding: no extra double copy.</summary>
    public static double[] Resample(ReadOnlySpan<float> x, double ratio, SignalScratch? scratch = null)
    {
        var plan = Plan.For(x.Length, ratio);
        scratch = SignalScratch.OrNew(scratch);
        if (UsesPolyphase(plan.PaddedLength))
        {
            // Long channels: padded straight into the polyphase rows of the forward transform.
            using var scope = torch.NewDisposeScope();
            var kept = PolyphaseRfft.LowBins(x, plan.PadLeft, plan.PaddedLength, KeptBins(plan), scratch);
            return CopyOut(InverseKept(kept, plan), plan.FinalLength);
        }
        var padded = scratch.Get(SignalScratch.ResamplePad, plan.PaddedLength);
        Padding.ReflectLimited(x, plan.PadLeft, plan.PadRight, padded.AsSpan(0, plan.PaddedLength));
        return ResamplePadded(padded, plan, scratch);
    }

    /// <summary>Resamples padded[0 .. plan.PaddedLength) (the array may be longer: it is reused scratch).</summary>
    private static double[] ResamplePadded(double[] padded, Plan plan, SignalScratch scratch)
    {
        int oldLength = plan.PaddedLength, newLength = plan.NewLength;
        if (RealFft.UsesNative(oldLength) || RealFft.UsesNative(newLength)) return NativeResample(padded, plan, scratch);

        // Both lengths are short powers of two: the managed transforms, and libtorch is not loaded for them.
        double[] spectrum = RealFft.Forward(padded.AsSpan(0, oldLength), oldLength);
        bool shorter = newLength < oldLength;
        int useLength = shorter ? newLength : oldLength;
        if (useLength % 2 == 0)
        {
            // The Nyquist bin of the shorter spectrum: doubled when downsampling, halved when upsampling.
            int nyquist = useLength / 2;
            double factor = shorter ? 2.0 : 0.5;
            spectrum[2 * nyquist] *= factor;
            spectrum[2 * nyquist + 1] *= factor;
        }
        // The boxcar window folded onto the rfft bins is the constant new/old.
        double scale = (double)newLength / oldLength;
        for (int i = 0; i < spectrum.Length; i++) spectrum[i] *= scale;

        double[] y = RealFft.Inverse(spectrum, newLength);
        return plan.TrimLeft == 0 && plan.FinalLength == y.Length ? y : y.AsSpan(plan.TrimLeft, plan.FinalLength).ToArray();
    }

    /// <summary>
    /// The same steps inside libtorch: rfft, keep the bins the new length uses, Nyquist fix and scale, irfft, trim.
    /// Only the trimmed output is copied back, not the spectrum (two 32 MB round trips per hour-long channel saved).
    /// </summary>
    private static double[] NativeResample(double[] padded, Plan plan, SignalScratch scratch)
    {
        int oldLength = plan.PaddedLength;
        using var scope = torch.NewDisposeScope();
        int bins = KeptBins(plan);
        torch.Tensor kept;                                // [bins] complex, own storage
        if (UsesPolyphase(oldLength))
            kept = PolyphaseRfft.LowBins(padded, oldLength, bins, scratch);
        else
        {
            var signal = torch.empty(oldLength, torch.float64);
            padded.AsSpan(0, oldLength).CopyTo(MemoryMarshal.Cast<byte, double>(signal.bytes));
            kept = RealFft.Torch.Rfft(signal).narrow(0, 0, bins).clone(); // [oldLength/2+1] → [bins]
        }
        return CopyOut(InverseKept(kept, plan), plan.FinalLength);
    }

    private static bool UsesPolyphase(int paddedLength) =>
        paddedLength >= PolyphaseRfft.MinLength && paddedLength % PolyphaseRfft.Phases(paddedLength) == 0;

    private static double[] CopyOut(torch.Tensor y, int count)
    {
        var result = GC.AllocateUninitializedArray<double>(count);
        MemoryMarshal.Cast<byte, double>(y.bytes).CopyTo(result);
        return result;
    }

    private static int KeptBins(Plan plan) => Math.Min(plan.PaddedLength / 2 + 1, plan.NewLength / 2 + 1);

    /// <summary>Scale, Nyquist fix, irfft at the new length and trim, on the last dimension of <paramref name="kept"/>
    /// ([..., bins] complex, modified in place). Returns the contiguous [..., FinalLength] output.</summary>
    private static torch.Tensor InverseKept(torch.Tensor kept, Plan plan)
    {
        int oldLength = plan.PaddedLength, newLength = plan.NewLength;
        bool shorter = newLength < oldLength;
        int bins = KeptBins(plan);
        // The boxcar window folded onto the rfft bins is the constant new/old.
        kept.TimesInPlace((double)newLength / oldLength);
        var pairs = torch.view_as_real(kept);             // [..., bins, 2] view of the same storage
        int last = (int)pairs.dim() - 2;
        int useLength = shorter ? newLength : oldLength;
        if (useLength % 2 == 0 && useLength / 2 < bins)
            pairs.narrow(last, useLength / 2, 1).TimesInPlace(shorter ? 2.0 : 0.5); // Nyquist of the shorter spectrum
        // pocketfft's c2r ignores the imaginary parts of bin 0 and of bin newLength/2: make that explicit.
        pairs.narrow(last, 0, 1).narrow(last + 1, 1, 1).zero_();
        if (newLength % 2 == 0 && newLength / 2 < bins) pairs.narrow(last, newLength / 2, 1).narrow(last + 1, 1, 1).zero_();
        // Many channels and an awkward length: two channels per chirp-z transform of power-of-two FFTs (below 8
        // channels, building the chirps for a new length costs more than it saves).
        if (kept.dim() == 2 && kept.shape[0] >= PairedChirpInverse.MinChannels && PairedChirpInverse.Worthwhile(newLength, plan.FinalLength))
            return PairedChirpInverse.Window(kept, newLength, plan.TrimLeft, plan.FinalLength);
        return RealFft.Torch.Irfft(kept, newLength, dim: -1).narrow(-1, plan.TrimLeft, plan.FinalLength).contiguous();
    }

    /// <summary>
    /// The channels of a short recording resampled together: one batched rfft and one batched irfft per group of
    /// channels and per part, which libtorch spreads over the cores (several times faster than channel by channel
    /// for the 500-Hz test recording; bench/preprocess/NOTES.md). Groups hold as many channels as fit in
    /// <paramref name="maxBatchBytes"/> of libtorch work memory (input, spectrum, output). Returns null when a part
    /// needs only short power-of-two transforms (done managed, channel by channel, so that libtorch is not loaded for
    /// them) or one channel alone exceeds the budget; the caller then resamples channel by channel.
    /// </summary>
    public static double[][]? ResampleAll(IReadOnlyList<float[]> channels, double ratio, IReadOnlyList<int> partLengths, long maxBatchBytes = 64L << 20)
    {
        if (channels.Count == 0) return [];
        int total = partLengths.Sum(p => OutputLength(p, ratio));
        int group = channels.Count;
        foreach (int p in partLengths)
        {
            var plan = Plan.For(p, ratio);
            long perChannel = (long)plan.PaddedLength * 8 * 3;
            if (perChannel > maxBatchBytes) return null;
            group = (int)Math.Min(group, maxBatchBytes / perChannel);
            if (!RealFft.UsesNative(plan.PaddedLength) && !RealFft.UsesNative(plan.NewLength)) return null;
        }
        var outputs = new double[channels.Count][];
        for (int c = 0; c < outputs.Length; c++) outputs[c] = GC.AllocateUninitializedArray<double>(total);
        for (int first = 0; first < channels.Count; first += group)
        {
            int count = Math.Min(group, channels.Count - first);
            int inOffset = 0, outOffset = 0;
            foreach (int p in partLengths)
            {
                var plan = Plan.For(p, ratio);
                using var scope = torch.NewDisposeScope();
                var padded = torch.empty(new long[] { count, plan.PaddedLength }, torch.float64);
                var rows = MemoryMarshal.Cast<byte, double>(padded.bytes);
                for (int c = 0; c < count; c++)
                    Padding.ReflectLimited(channels[first + c].AsSpan(inOffset, p), plan.PadLeft, plan.PadRight, rows.Slice(c * plan.PaddedLength, plan.PaddedLength));
                var kept = RealFft.Torch.Rfft(padded, dim: -1).narrow(-1, 0, KeptBins(plan)).clone(); // [count, bins]
                var y = MemoryMarshal.Cast<byte, double>(InverseKept(kept, plan).bytes);            // [count, final]
                for (int c = 0; c < count; c++)
                    y.Slice(c * plan.FinalLength, plan.FinalLength).CopyTo(outputs[first + c].AsSpan(outOffset));
                inOffset += p;
                outOffset += plan.FinalLength;
            }
        }
        return outputs;
    }

    /// <summary>
    /// Resamples a signal made of consecutive parts (split FIF files, concatenated raws) part by part, as
    /// <c>Raw.resample</c> does, and concatenates the results.
    /// </summary>
    public static double[] Resample(ReadOnlySpan<double> x, double ratio, IReadOnlyList<int> partLengths, SignalScratch? scratch = null)
    {
        scratch = SignalScratch.OrNew(scratch);
        return partLengths.Count <= 1 ? Resample(x, ratio, scratch) : ResampleParts(x, ratio, partLengths, scratch);
    }

    /// <summary><see cref="Resample(ReadOnlySpan{double}, double, IReadOnlyList{int}, SignalScratch)"/> of float samples.</summary>
    public static double[] Resample(ReadOnlySpan<float> x, double ratio, IReadOnlyList<int> partLengths, SignalScratch? scratch = null)
    {
        scratch = SignalScratch.OrNew(scratch);
        return partLengths.Count <= 1 ? Resample(x, ratio, scratch) : ResampleParts(x, ratio, partLengths, scratch);
    }

    private static double[] ResampleParts<T>(ReadOnlySpan<T> x, double ratio, IReadOnlyList<int> partLengths, SignalScratch scratch)
        where T : unmanaged
    {
        var result = new double[partLengths.Sum(p => OutputLength(p, ratio))];
        int inOffset = 0, outOffset = 0;
        foreach (int p in partLengths)
        {
            var slice = x.Slice(inOffset, p);
            var part = typeof(T) == typeof(float)
                ? Resample(MemoryMarshal.Cast<T, float>(slice), ratio, scratch)
                : Resample(MemoryMarshal.Cast<T, double>(slice), ratio, scratch);
            part.CopyTo(result, outOffset);
            inOffset += p;
            outOffset += part.Length;
        }
        return result;
    }
}
