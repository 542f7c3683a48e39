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
    public static double[] Resample(ReadOnlySpan<double> x, double ratio)
    {
        var plan = Plan.For(x.Length, ratio);
        var padded = Padding.ReflectLimited(x, plan.PadLeft, plan.PadRight);
        double[] spectrum = RealFft.Forward(padded, plan.PaddedLength);

        int oldLength = plan.PaddedLength, newLength = plan.NewLength;
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
    /// Resamples a signal made of consecutive parts (split FIF files, concatenated raws) part by part, as
    /// <c>Raw.resample</c> does, and concatenates the results.
    /// </summary>
    public static double[] Resample(ReadOnlySpan<double> x, double ratio, IReadOnlyList<int> partLengths)
    {
        if (partLengths.Count <= 1) return Resample(x, ratio);
        int total = 0;
        foreach (int p in partLengths) total += OutputLength(p, ratio);
        var result = new double[total];
        int inOffset = 0, outOffset = 0;
        foreach (int p in partLengths)
        {
            var part = Resample(x.Slice(inOffset, p), ratio);
            part.CopyTo(result, outOffset);
            inOffset += p;
            outOffset += part.Length;
        }
        return result;
    }
}
