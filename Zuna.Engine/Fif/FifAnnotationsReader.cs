namespace Zuna.Engine.Fif;

/// <summary>
/// Annotations as MNE 1.3 reports them after read_raw_fif (spec §A11), converted to this project's convention:
/// onset in seconds from sample 0 of <see cref="RawRecording.Data"/> (MNE: raw.annotations.onset − first_samp / sfreq).
/// </summary>
internal static class FifAnnotationsReader
{
    private sealed record Stored(double[] Onsets, double[] Durations, string[] Descriptions, double? OrigTime, string[][] ChannelNames);

    /// <param name="firstSampleTag">FIFF_FIRST_SAMPLE of the first part (before an initial skip moves it).</param>
    /// <param name="firstSample">first_samp after the initial skip.</param>
    /// <param name="gaps">(absolute first sample, length) of each interior acquisition skip, all parts.</param>
    public static List<FifAnnotation> Read(FifSource src, FifNode root, DateTimeOffset? measDate, double sfreq,
        long firstSampleTag, long firstSample, long sampleCount, IEnumerable<(long Start, long Length)> gaps)
    {
        var result = new List<(double Onset, double Duration, string Description, string[] Channels)>();
        if (ReadStored(src, root) is { } stored)
        {
            // MNE crops in a time frame where onsets are datetimes (microsecond resolution), so kept onsets come back rounded
            // to whole microseconds in that frame; cropFrameShift moves stored onsets into it, dataShift from it to sample 0.
            double cropFrameShift = 0, dataShift = 0;
            if (measDate is { } md && stored.OrigTime is { } orig)
                dataShift = orig - (md - DateTimeOffset.UnixEpoch).Ticks / 1e7 - firstSample / sfreq;
            else if (measDate is null)
                cropFrameShift = -firstSampleTag / sfreq; // MNE subtracts the FIRST_SAMPLE tag when there is no meas date
            // (meas date set, orig_time None: stored onsets already count from the first sample.)
            double tmax = sampleCount / sfreq;
            for (int i = 0; i < stored.Onsets.Length; i++)
            {
                double onset = RoundToMicroseconds(stored.Onsets[i] + cropFrameShift) + dataShift;
                double duration = double.IsNaN(stored.Durations[i]) ? 0 : stored.Durations[i];
                double end = onset + duration;
                if (onset > tmax || end < 0) continue; // MNE's crop drops annotations outside the data
                double clippedOnset = Math.Max(onset, 0), clippedEnd = Math.Min(end, tmax);
                double clippedDuration = clippedOnset != onset || clippedEnd != end ? clippedEnd - clippedOnset : duration;
                result.Add((clippedOnset, clippedDuration, stored.Descriptions[i], stored.ChannelNames[i]));
            }
        }
        foreach (var (start, length) in gaps)
            result.Add(((start - firstSample) / sfreq, length / sfreq, "BAD_ACQ_SKIP", []));
        // MNE sorts by onset, then duration, then original order.
        return [.. result.Select((a, i) => (a, i)).OrderBy(x => x.a.Onset).ThenBy(x => x.a.Duration).ThenBy(x => x.i)
            .Select(x => new FifAnnotation(x.a.Onset, x.a.Duration, x.a.Description) { ChannelNames = x.a.Channels })];
    }

    /// <summary>Python's timedelta(seconds=x): nearest microsecond, ties to even.</summary>
    private static double RoundToMicroseconds(double seconds) => Math.Round(seconds * 1e6, MidpointRounding.ToEven) / 1e6;

    private static Stored? ReadStored(FifSource src, FifNode root)
    {
        var nodes = root.FindAll(FifConst.BlockMneAnnotations);
        if (nodes.Count == 0) return null;
        double[] onsets = [], ends = [];
        string[] descriptions = [];
        double? origTime = null;
        string[][]? channelNames = null;
        bool haveEnds = false;
        foreach (var tag in nodes[0].Entries)
        {
            switch (tag.Kind)
            {
                case FifConst.MneBaselineMin: onsets = FifPayload.ReadReals(src, tag); break;
                case FifConst.MneBaselineMax: ends = FifPayload.ReadReals(src, tag); haveEnds = true; break;
                case FifConst.Comment: descriptions = [.. FifMeasInfoReader.SplitNameList(FifPayload.ReadString(src, tag))]; break;
                case FifConst.MneEpochsDropLog: channelNames = ParseChannelNames(src, FifPayload.ReadString(src, tag)); break;
                case FifConst.MeasDate:
                {
                    var v = FifPayload.ReadReals(src, tag);
                    origTime = v.Length switch { 0 => null, 1 => v[0], _ => v[0] + v[1] * 1e-6 };
                    break;
                }
            }
        }
        if (!haveEnds) ends = onsets;
        if (onsets.Length != ends.Length || onsets.Length != descriptions.Length)
            throw new FifFormatException($"{src.Name}: the annotations block has {onsets.Length} onsets, {ends.Length} ends and {descriptions.Length} descriptions; they must match.");
        // MNE computes duration = end − onset in float32 when both are stored as float32.
        var durations = new double[onsets.Length];
        for (int i = 0; i < onsets.Length; i++) durations[i] = (float)ends[i] - (float)onsets[i];
        channelNames ??= [.. onsets.Select(_ => Array.Empty<string>())];
        if (channelNames.Length != onsets.Length)
            throw new FifFormatException($"{src.Name}: the annotations block lists channels for {channelNames.Length} of {onsets.Length} annotations.");
        return new Stored(onsets, durations, descriptions, origTime, channelNames);
    }

    /// <summary>MNE stores annotations.ch_names as the JSON of a tuple of tuples of names (one per annotation).</summary>
    private static string[][] ParseChannelNames(FifSource src, string json)
    {
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<string[][]>(json) ?? [];
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new FifFormatException($"{src.Name}: the annotations' channel names are not a JSON list of name lists ({e.Message}).", e);
        }
    }
}
