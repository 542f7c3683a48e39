using Zuna.Engine.Fif;
using Zuna.Engine.Montage;

namespace Zuna.Engine.Preprocessing;

/// <summary>
/// Which channels the chain keeps and where they are: EEG channels whose stored position (loc[0:3], head frame,
/// metres) is finite and not ≈ (0, 0, 0). When no EEG channel has one, every EEG channel gets its head-frame
/// position from standard_1005 by name (what <c>raw.set_montage('standard_1005')</c> would do).
/// </summary>
public sealed record ChannelSelection(int[] Indices, Position3[] Positions, bool FromStandardMontage)
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
            return new ChannelSelection(withPosition, positions, false);
        }

        var montage = StandardMontage.Standard1005;
        var unknown = eeg.Select(i => raw.Channels[i].Name).Where(name => !montage.TryGet(name, out _)).ToList();
        if (unknown.Count > 0)
            throw new InvalidRecordingException(
                $"the recording has no electrode positions and {unknown.Count} EEG channel name(s) are not in the standard 10-05 montage: {string.Join(", ", unknown)}.");
        return new ChannelSelection(eeg, eeg.Select(i => montage.HeadPosition(raw.Channels[i].Name)!.Value).ToArray(), true);
    }

    /// <summary>Finite and not all three within 1e-8 m of zero (numpy allclose(pos, 0)).</summary>
    public static bool HasValidPosition(FifChannel channel)
    {
        var loc = channel.Location;
        if (loc is null || loc.Length < 3) return false;
        for (int k = 0; k < 3; k++) if (!float.IsFinite(loc[k])) return false;
        return Math.Abs(loc[0]) > 1e-8 || Math.Abs(loc[1]) > 1e-8 || Math.Abs(loc[2]) > 1e-8;
    }
}
