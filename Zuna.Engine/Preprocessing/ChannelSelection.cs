using System.Text.RegularExpressions;
using Zuna.Engine.Fif;
using Zuna.Engine.Montage;

namespace Zuna.Engine.Preprocessing;

/// <summary>
/// Which channels the chain keeps and where they are, the same rule for every format: EEG channels as MNE types them
/// (stim, EOG, ECG, misc out). When any EEG channel has a position in the file (finite, not ≈ 0; head frame, metres)
/// the file's positions are used and EEG channels without one are dropped. Otherwise positions come from standard_1005
/// by name — spaces removed, case ignored — and, failing that, with a leading "EEG " and a trailing "-REF"/"-LE"
/// stripped ("EEG FP1-REF" → Fp1). EEG channels that match nothing are dropped and listed in <see cref="Dropped"/>;
/// a recording where nothing is left is an error.
/// </summary>
public sealed partial record ChannelSelection(int[] Indices, Position3[] Positions, bool FromStandardMontage, IReadOnlyList<string> Dropped)
{
    public static ChannelSelection Select(RawRecording raw)
    {
        int[] eeg = Enumerable.Range(0, raw.Channels.Count).Where(i => raw.Channels[i].IsEeg).ToArray();
        if (eeg.Length == 0)
            throw new InvalidRecordingException($"the recording has no EEG channels ({raw.Channels.Count} channels of other kinds).");

        int[] withPosition = eeg.Where(i => HasValidPosition(raw.Channels[i])).ToArray();
        if (withPosition.Length > 0)
        {
            var positions = withPosition.Select(i =>
            {
                var loc = raw.Channels[i].Location;
                return new Position3(loc[0], loc[1], loc[2]);
            }).ToArray();
            var withoutPosition = eeg.Except(withPosition).Select(i => raw.Channels[i].Name).ToList();
            return new ChannelSelection(withPosition, positions, false, withoutPosition);
        }

        var montage = StandardMontage.Standard1005;
        var kept = new List<int>();
        var keptPositions = new List<Position3>();
        var dropped = new List<string>();
        foreach (int i in eeg)
        {
            string name = raw.Channels[i].Name;
            if (montage.TryGet(name, out var electrode) || montage.TryGet(Alias(name), out electrode))
            {
                kept.Add(i);
                keptPositions.Add(electrode.Head);
            }
            else dropped.Add(name);
        }
        if (kept.Count == 0)
            throw new InvalidRecordingException(
                $"no EEG channel has a position in the file or a standard 10-05 name, so there is nothing to process (EEG channels: {string.Join(", ", dropped)}).");
        return new ChannelSelection(kept.ToArray(), keptPositions.ToArray(), true, dropped);
    }

    /// <summary>The warning for the user when EEG channels were dropped, else null.</summary>
    public string? DroppedWarning => Dropped.Count == 0 ? null : FromStandardMontage
        ? $"{Dropped.Count} EEG channel(s) match no standard 10-05 electrode and were left out: {Shorten(Dropped)}."
        : $"{Dropped.Count} EEG channel(s) have no position in the file and were left out: {Shorten(Dropped)}.";

    /// <summary>Clinical spellings: a leading "EEG " and a trailing "-REF" or "-LE" removed, case-insensitively.</summary>
    public static string Alias(string name) => TrailingReference().Replace(LeadingEeg().Replace(name, "").Trim(), "");

    [GeneratedRegex(@"^\s*EEG\s+", RegexOptions.IgnoreCase)]
    private static partial Regex LeadingEeg();

    [GeneratedRegex(@"-(REF|LE)$", RegexOptions.IgnoreCase)]
    private static partial Regex TrailingReference();

    private static string Shorten(IReadOnlyList<string> names) =>
        names.Count <= 20 ? string.Join(", ", names) : string.Join(", ", names.Take(20)) + $" and {names.Count - 20} more";

    /// <summary>Finite and not all three within 1e-8 m of zero (numpy allclose(pos, 0)).</summary>
    public static bool HasValidPosition(FifChannel channel)
    {
        var loc = channel.Location;
        if (loc is null || loc.Length < 3) return false;
        for (int k = 0; k < 3; k++) if (!float.IsFinite(loc[k])) return false;
        return Math.Abs(loc[0]) > 1e-8 || Math.Abs(loc[1]) > 1e-8 || Math.Abs(loc[2]) > 1e-8;
    }
}
