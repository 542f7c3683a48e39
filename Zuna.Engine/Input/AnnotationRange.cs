using Zuna.Engine.Fif;

namespace Zuna.Engine.Input;

/// <summary>
/// What MNE 1.3's <c>raw.set_annotations</c> does to annotations read with a file (orig_time None): they are cropped to
/// [0, last sample + 1/sfreq] — wholly outside ones dropped with a warning, crossing ones clipped — and, because MNE
/// goes through Python timedeltas, onsets and clipped durations are rounded to the microsecond.
/// </summary>
public static class AnnotationRange
{
    public static List<FifAnnotation> Crop(IEnumerable<FifAnnotation> annotations, int sampleCount, double sampleRate, ICollection<string> warnings)
    {
        double end = Microseconds((sampleCount - 1) / sampleRate + 1 / sampleRate);
        var kept = new List<FifAnnotation>();
        int omitted = 0;
        foreach (var a in annotations)
        {
            double duration = double.IsNaN(a.Duration) ? 0 : a.Duration;
            double onset = Microseconds(a.Onset);
            double offset = onset + Microseconds(duration);
            if (onset > end || offset < 0)
            {
                omitted++;
                continue;
            }
            bool clipped = onset < 0 || offset > end;
            double start = Math.Max(onset, 0), stop = Math.Min(offset, end);
            kept.Add(new FifAnnotation(start, clipped ? stop - start : duration, a.Description));
        }
        if (omitted > 0) warnings.Add($"omitted {omitted} annotation(s) that were outside the data range.");
        return kept;
    }

    /// <summary>Python's timedelta(seconds=x): rounded to the microsecond, half to even.</summary>
    private static double Microseconds(double seconds) => Math.Round(seconds * 1e6, MidpointRounding.ToEven) / 1e6;
}
