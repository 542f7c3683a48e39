using Zuna.Engine.Fif;

namespace Zuna.Engine.Input.Eeglab;

/// <summary>
/// Channel names, types and positions from EEG.chanlocs as MNE 1.3 turns them into info and a montage: names from
/// <c>labels</c>; the type from <c>type</c> when it names an MNE channel type (EOG → eog …), else EEG; when chanlocs
/// has X, Y and Z fields, the position is [−Y, X, Z] / 1000 (EEGLAB's X points to the nose; mm → m) in the head
/// frame, an empty coordinate meaning no position. As with MNE's set_montage, only EEG channels get one. Without
/// chanlocs the channels are "EEG 000", "EEG 001" ….
/// </summary>
public static class EeglabChannels
{
    private static readonly Dictionary<string, FifChannelKind> KnownTypes = new(StringComparer.Ordinal)
    {
        ["eeg"] = FifChannelKind.Eeg, ["eog"] = FifChannelKind.Eog, ["ecg"] = FifChannelKind.Ecg, ["emg"] = FifChannelKind.Emg,
        ["stim"] = FifChannelKind.Stim, ["misc"] = FifChannelKind.Misc, ["resp"] = FifChannelKind.Resp, ["seeg"] = FifChannelKind.Seeg,
        ["ecog"] = FifChannelKind.Ecog, ["bio"] = FifChannelKind.Bio, ["dbs"] = FifChannelKind.Dbs, ["syst"] = FifChannelKind.Syst,
        // MNE types that are not EEG-like: none of them ever reaches the model, so misc stands in for each.
        ["meg"] = FifChannelKind.Misc, ["ref_meg"] = FifChannelKind.Misc, ["chpi"] = FifChannelKind.Misc, ["exci"] = FifChannelKind.Misc,
        ["ias"] = FifChannelKind.Misc, ["dipole"] = FifChannelKind.Misc, ["gof"] = FifChannelKind.Misc, ["csd"] = FifChannelKind.Misc,
        ["temperature"] = FifChannelKind.Misc, ["gsr"] = FifChannelKind.Misc, ["fnirs_cw_amplitude"] = FifChannelKind.Misc,
        ["hbo"] = FifChannelKind.Misc, ["hbr"] = FifChannelKind.Misc, ["fnirs_od"] = FifChannelKind.Misc,
    };

    public static List<FifChannel> Read(EeglabSet set, string name, ICollection<string> warnings)
    {
        var locations = set.ChannelLocations as MatStruct;
        if (locations is null || locations.Elements.Count == 0)
            return Enumerable.Range(0, set.ChannelCount).Select(i => ReadChannels.Create($"EEG {i:000}", i, FifChannelKind.Eeg)).ToList();
        if (locations.Elements.Count != set.ChannelCount)
            throw new RecordingFormatException($"{name}: EEG.chanlocs describes {locations.Elements.Count} channels, but EEG.nbchan is {set.ChannelCount}.");

        bool hasPositions = locations.HasField("X") && locations.HasField("Y") && locations.HasField("Z");
        var names = new string[set.ChannelCount];
        var kinds = new FifChannelKind[set.ChannelCount];
        var positions = new float[set.ChannelCount][];
        for (int i = 0; i < set.ChannelCount; i++)
        {
            names[i] = Text(locations.Field("labels", i)) ?? "";
            kinds[i] = KnownTypes.GetValueOrDefault(Text(locations.Field("type", i))?.Trim().ToLowerInvariant() ?? "", FifChannelKind.Eeg);
            if (hasPositions && kinds[i] == FifChannelKind.Eeg)
            {
                double x = Coordinate(locations.Field("X", i)), y = Coordinate(locations.Field("Y", i)), z = Coordinate(locations.Field("Z", i));
                var location = Enumerable.Repeat(float.NaN, 12).ToArray();
                (location[0], location[1], location[2]) = ((float)(-y / 1000), (float)(x / 1000), (float)(z / 1000));
                positions[i] = location;
            }
        }
        int notEeg = kinds.Count(k => k != FifChannelKind.Eeg);
        if (hasPositions && notEeg > 0) warnings.Add($"positions of {notEeg} channel(s) that are not EEG were not used.");
        string[] unique = ChannelNames.MakeUnique(names, warnings);
        return unique.Select((n, i) => ReadChannels.Create(n, i, kinds[i], positions[i])).ToList();
    }

    /// <summary>A text field as scipy gives it to MNE: a char array as its string, a number as Python prints it.</summary>
    public static string? Text(MatValue? value) => value switch
    {
        MatChar c => c.Text,
        MatNumeric n => n.ToPythonText(),
        _ => null,
    };

    /// <summary>MNE's _to_loc: a number, or NaN when the coordinate is empty.</summary>
    private static double Coordinate(MatValue? value) => value is MatNumeric { Values.Length: >= 1 } n ? n.Values[0] : double.NaN;
}
