using Zuna.Engine.Fif;

namespace Zuna.Engine.Input.Eeglab;

/// <summary>
/// EEG.event → annotations as MNE 1.3's _read_annotations_eeglab: description str(type), onset (latency − 1) / srate,
/// duration / srate (an empty duration is NaN, a missing field 0). "boundary" events stay plain annotations.
/// </summary>
public static class EeglabEvents
{
    public static List<FifAnnotation> Read(EeglabSet set, string name, ICollection<string> warnings)
    {
        if (set.Events is not MatStruct events || events.Elements.Count == 0) return [];
        if (!events.HasField("latency") || !events.HasField("type"))
            throw new RecordingFormatException($"{name}: EEG.event has no 'type' and 'latency' fields.");
        bool hasDuration = events.HasField("duration");
        var annotations = new List<FifAnnotation>(events.Elements.Count);
        for (int i = 0; i < events.Elements.Count; i++)
        {
            if (events.Field("latency", i) is not MatNumeric { Values.Length: 1 } latency || !double.IsFinite(latency.Values[0]))
                throw new RecordingFormatException($"{name}: event {i + 1} has no numeric latency.");
            double duration = 0;
            if (hasDuration)
                duration = events.Field("duration", i) is MatNumeric { Values.Length: >= 1 } d ? d.Values[0] : double.NaN;
            string description = EeglabChannels.Text(events.Field("type", i)) ?? "";
            annotations.Add(new FifAnnotation((latency.Values[0] - 1) / set.SampleRate, duration / set.SampleRate, description));
        }
        if (annotations.Any(a => a.Description == "boundary"))
            warnings.Add("the data contain 'boundary' events (discontinuities); they are kept as annotations, as MNE does.");
        return annotations;
    }
}
