using Zuna.Engine.Fif;
using Zuna.Engine.Signal;

namespace Zuna.Engine.Preprocessing;

/// <summary>
/// The steps of the ZUNA/MNE chain on channel-major double data (one array per channel), each usable on its own so
/// tests can compare every stage with MNE's reference arrays.
/// </summary>
public static class Stages
{
    public const double TargetRate = 256.0;
    public const double HighPassFrequency = 0.5;

    /// <summary>MNE ≥ 1.5 leaves the data alone when the rates agree to 1e-6 (relative).</summary>
    public static bool NeedsResampling(double sampleRate) => Math.Abs(TargetRate - sampleRate) > 1e-6 * Math.Abs(sampleRate);

    /// <summary>One channel resampled to 256 Hz, part by part (split files are resampled per part, like Raw.resample).</summary>
    public static double[] Resample(ReadOnlySpan<double> x, double sampleRate, IReadOnlyList<int>? partLengths = null)
    {
        if (!NeedsResampling(sampleRate)) return x.ToArray();
        return FftResampler.Resample(x, TargetRate / sampleRate, partLengths ?? [x.Length]);
    }

    /// <summary>A float channel (as read) resampled to 256 Hz, widened to double on the way; a copy when no resampling is needed.</summary>
    public static double[] Resample(ReadOnlySpan<float> x, double sampleRate, IReadOnlyList<int>? partLengths = null, SignalScratch? scratch = null)
    {
        if (!NeedsResampling(sampleRate))
        {
            var widened = GC.AllocateUninitializedArray<double>(x.Length);
            for (int i = 0; i < x.Length; i++) widened[i] = x[i];
            return widened;
        }
        return FftResampler.Resample(x, TargetRate / sampleRate, partLengths ?? [x.Length], scratch);
    }

    /// <summary>Length after <see cref="Resample(ReadOnlySpan{double}, double, IReadOnlyList{int}?)"/>.</summary>
    public static int ResampledLength(int n, double sampleRate, IReadOnlyList<int>? partLengths = null)
    {
        if (!NeedsResampling(sampleRate)) return n;
        double ratio = TargetRate / sampleRate;
        return (partLengths ?? [n]).Sum(p => FftResampler.OutputLength(p, ratio));
    }

    /// <summary>MNE's first_samp after resampling: round(first_samp · ratio).</summary>
    public static long ResampledFirstSample(long firstSample, double sampleRate) =>
        NeedsResampling(sampleRate) ? (long)Math.Round(firstSample * (TargetRate / sampleRate), MidpointRounding.ToEven) : firstSample;

    /// <summary>
    /// The contiguous [start, stop) sample ranges <c>Raw.filter</c> filters separately: everything outside annotations
    /// whose description starts with EDGE or BAD_ACQ_SKIP (case-insensitive); a zero-length one still splits.
    /// <paramref name="onsetOffsetSeconds"/> is added to each annotation onset to make it relative to sample 0.
    /// </summary>
    public static List<(int Start, int Stop)> FilterSegments(int sampleCount, double sampleRate, IEnumerable<FifAnnotation> annotations, double onsetOffsetSeconds = 0)
    {
        var skipped = new bool[sampleCount];
        var zeroLength = new List<int>();
        foreach (var a in annotations)
        {
            if (!a.Description.StartsWith("EDGE", StringComparison.OrdinalIgnoreCase) &&
                !a.Description.StartsWith("BAD_ACQ_SKIP", StringComparison.OrdinalIgnoreCase)) continue;
            double onset = a.Onset + onsetOffsetSeconds;
            long start = (long)Math.Round(onset * sampleRate, MidpointRounding.ToEven);
            long stop = (long)Math.Round((onset + a.Duration) * sampleRate, MidpointRounding.ToEven);
            if (start == stop) { zeroLength.Add((int)Math.Clamp(start, 0, sampleCount)); continue; }
            for (long i = Math.Max(start, 0); i < Math.Min(stop, sampleCount); i++) skipped[i] = true;
        }
        var starts = new List<int>();
        var stops = new List<int>();
        for (int i = 0; i < sampleCount;)
        {
            if (skipped[i]) { i++; continue; }
            int s = i;
            while (i < sampleCount && !skipped[i]) i++;
            starts.Add(s);
            stops.Add(i);
        }
        // MNE adds each zero-length annotation as both an onset and an end, then sorts both lists.
        starts.AddRange(zeroLength);
        stops.AddRange(zeroLength);
        starts.Sort();
        stops.Sort();
        return starts.Zip(stops, (s, e) => (s, e)).ToList();
    }

    /// <summary>Zero-phase FIR high-pass of one channel in place, each segment separately.</summary>
    public static void HighPass(Span<double> x, OverlapAddFilter filter, IReadOnlyList<(int Start, int Stop)> segments, SignalScratch? scratch = null)
    {
        foreach (var (start, stop) in segments)
            if (stop > start) filter.Apply(x[start..stop], scratch);
    }

    /// <summary>The 1691-tap high-pass (0.5 Hz at 256 Hz) ready to apply. One shared instance: it caches the taps'
    /// spectrum per FFT block length, so later recordings skip the design and the tap FFTs.</summary>
    public static OverlapAddFilter CreateHighPass() => SharedHighPass.Value;

    private static readonly Lazy<OverlapAddFilter> SharedHighPass = new(() => new(FirDesign.HighPass(TargetRate, HighPassFrequency)));

    /// <summary>
    /// <c>set_eeg_reference('average', projection=False)</c>: subtracts, at every sample, the mean of the reference
    /// channels from those same channels; the others are left as they are.
    /// </summary>
    public static void AverageReference(IReadOnlyList<double[]> channels, IReadOnlyList<bool> isReference)
    {
        int[] refs = Enumerable.Range(0, channels.Count).Where(c => isReference[c]).ToArray();
        if (refs.Length == 0) return;
        int n = channels[refs[0]].Length;
        var mean = new double[n];
        // Sum in channel order, as numpy's mean over axis 0 of a C-ordered array does.
        foreach (int c in refs)
        {
            var x = channels[c];
            for (int i = 0; i < n; i++) mean[i] += x[i];
        }
        double inv = refs.Length;
        for (int i = 0; i < n; i++) mean[i] /= inv;
        foreach (int c in refs)
        {
            var x = channels[c];
            for (int i = 0; i < n; i++) x[i] -= mean[i];
        }
    }

    /// <summary>Mean and population standard deviation (ddof 0) over all samples of the chosen channels.</summary>
    public static (double Mean, double Std) GlobalStats(IReadOnlyList<double[]> channels, IReadOnlyList<bool> include)
    {
        long count = 0;
        double sum = 0;
        for (int c = 0; c < channels.Count; c++)
        {
            if (!include[c]) continue;
            sum += PairwiseSum(channels[c]);
            count += channels[c].Length;
        }
        if (count == 0) throw new InvalidRecordingException("no good EEG channel is left to compute the z-score statistics from.");
        double mean = sum / count;
        double squares = 0;
        for (int c = 0; c < channels.Count; c++)
        {
            if (!include[c]) continue;
            squares += PairwiseSquaredDeviation(channels[c], mean);
        }
        return (mean, Math.Sqrt(squares / count));
    }

    /// <summary>Pairwise summation (blocks of 128 like numpy) so the statistics of long recordings stay accurate.</summary>
    private static double PairwiseSum(ReadOnlySpan<double> x)
    {
        if (x.Length <= 128)
        {
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            int i = 0;
            for (; i + 3 < x.Length; i += 4) { s0 += x[i]; s1 += x[i + 1]; s2 += x[i + 2]; s3 += x[i + 3]; }
            for (; i < x.Length; i++) s0 += x[i];
            return (s0 + s1) + (s2 + s3);
        }
        int half = x.Length / 2 / 8 * 8;
        return PairwiseSum(x[..half]) + PairwiseSum(x[half..]);
    }

    private static double PairwiseSquaredDeviation(ReadOnlySpan<double> x, double mean)
    {
        if (x.Length <= 128)
        {
            double s0 = 0, s1 = 0;
            int i = 0;
            for (; i + 1 < x.Length; i += 2) { double d0 = x[i] - mean, d1 = x[i + 1] - mean; s0 += d0 * d0; s1 += d1 * d1; }
            for (; i < x.Length; i++) { double d = x[i] - mean; s0 += d * d; }
            return s0 + s1;
        }
        int half = x.Length / 2 / 8 * 8;
        return PairwiseSquaredDeviation(x[..half], mean) + PairwiseSquaredDeviation(x[half..], mean);
    }

    /// <summary>
    /// Start samples of the fixed-length epochs kept by <c>make_fixed_length_epochs(reject_by_annotation=True)</c>:
    /// windows at 0, T, 2T, … (tail dropped), minus those overlapping an annotation whose description starts with "bad".
    /// </summary>
    public static List<int> EpochStarts(int sampleCount, int epochSamples, double sampleRate, IEnumerable<FifAnnotation> annotations, double onsetOffsetSeconds = 0)
    {
        var bad = annotations.Where(a => a.Description.StartsWith("bad", StringComparison.OrdinalIgnoreCase)).ToList();
        var starts = new List<int>();
        for (int start = 0; start + epochSamples <= sampleCount; start += epochSamples)
        {
            int stop = start + epochSamples;
            bool rejected = bad.Any(a =>
            {
                double onset = a.Onset + onsetOffsetSeconds;
                return onset < stop / sampleRate && onset + a.Duration > start / sampleRate;
            });
            if (!rejected) starts.Add(start);
        }
        return starts;
    }
}
