using Zuna.Engine.Fif;
using Zuna.Engine.Montage;
using Zuna.Engine.Preprocessing;

namespace Zuna.Engine.Repair;

/// <summary>
/// Electrode positions for the repair (docs/zuna11.md §5.2 step 2): a recording whose EEG channels all have a position
/// keeps its own; if any lacks one, <c>raw.set_montage("standard_1020", on_missing="warn", match_case=False)</c> places
/// every EEG channel, and a name the montage lacks ends without a position (dropped later).
/// </summary>
internal static class MontageFallback
{
    // The electrodes of MNE's standard_1020 montage (fiducials excluded). Their head-frame positions equal the
    // standard_1005 ones (both files share the fsaverage coordinates and fiducials), so the 10-05 table serves both.
    private static readonly HashSet<string> Standard1020 = new(
        [
            "fp1", "fpz", "fp2", "af9", "af7", "af5", "af3", "af1", "afz", "af2", "af4", "af6", "af8", "af10",
            "f9", "f7", "f5", "f3", "f1", "fz", "f2", "f4", "f6", "f8", "f10",
            "ft9", "ft7", "fc5", "fc3", "fc1", "fcz", "fc2", "fc4", "fc6", "ft8", "ft10",
            "t9", "t7", "c5", "c3", "c1", "cz", "c2", "c4", "c6", "t8", "t10",
            "tp9", "tp7", "cp5", "cp3", "cp1", "cpz", "cp2", "cp4", "cp6", "tp8", "tp10",
            "p9", "p7", "p5", "p3", "p1", "pz", "p2", "p4", "p6", "p8", "p10",
            "po9", "po7", "po5", "po3", "po1", "poz", "po2", "po4", "po6", "po8", "po10",
            "o1", "oz", "o2", "o9", "iz", "o10", "t3", "t5", "t4", "t6", "m1", "m2", "a1", "a2",
        ], StringComparer.Ordinal);

    /// <summary>Head-frame position per channel index of <paramref name="raw"/> (null: none; only EEG indices are filled).</summary>
    public static Position3?[] Positions(RawRecording raw, IReadOnlyList<int> eeg)
    {
        var result = new Position3?[raw.Channels.Count];
        if (eeg.All(i => ChannelSelection.HasValidPosition(raw.Channels[i])))
        {
            foreach (int i in eeg)
            {
                var loc = raw.Channels[i].Location;
                result[i] = new Position3(loc[0], loc[1], loc[2]);
            }
            return result;
        }
        foreach (int i in eeg)
        {
            // match_case=False compares lower-cased names; spaces are not removed.
            string name = raw.Channels[i].Name.ToLowerInvariant();
            if (Standard1020.Contains(name) && StandardMontage.Standard1005.TryGet(name, out var electrode)) result[i] = electrode.Head;
        }
        return result;
    }
}
