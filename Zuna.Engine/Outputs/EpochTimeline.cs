using Zuna.Engine.Fif;
using Zuna.Engine.Preprocessing;

namespace Zuna.Engine.Outputs;

/// <summary>
/// Maps times of the continuous 256-Hz signal onto an output made of the kept epochs laid end to end. Without dropped
/// epochs this is a plain shift by the first epoch's start; around a dropped epoch the parts of an annotation that fall
/// in kept epochs are kept, and the part in the gap is lost with it.
/// </summary>
internal static class EpochTimeline
{
    /// <summary>The annotations of <paramref name="origin"/> with onsets in seconds from the output's first sample.</summary>
    public static List<FifAnnotation> Annotations(RecordingOrigin origin, int epochSamples)
    {
        double rate = Preprocessed.SampleRate, length = epochSamples / rate;
        var result = new List<FifAnnotation>();
        foreach (var a in origin.Annotations)
        {
            double start = a.Onset, end = a.Onset + Math.Max(0, a.Duration);
            FifAnnotation? open = null;
            for (int e = 0; e < origin.EpochStarts.Count; e++)
            {
                double epochStart = origin.EpochStarts[e] / rate, epochEnd = epochStart + length;
                bool inside = a.Duration > 0 ? start < epochEnd && end > epochStart : start >= epochStart && start < epochEnd;
                if (!inside) continue;
                double onset = e * length + (Math.Max(start, epochStart) - epochStart);
                double duration = Math.Min(end, epochEnd) - Math.Max(start, epochStart);
                // Consecutive epochs with no gap between them continue the same piece.
                if (open is not null && Math.Abs(open.Onset + open.Duration - onset) < 0.5 / rate)
                    open = open with { Duration = open.Duration + duration };
                else
                {
                    if (open is not null) result.Add(open);
                    open = new FifAnnotation(onset, duration, a.Description);
                }
            }
            if (open is not null) result.Add(open);
        }
        return result;
    }

    /// <summary>MNE's first_samp of the output: the absolute 256-Hz index of the first kept epoch's first sample.</summary>
    public static long FirstSample(RecordingOrigin origin) =>
        origin.FirstSample + (origin.EpochStarts.Count > 0 ? origin.EpochStarts[0] : 0);
}
