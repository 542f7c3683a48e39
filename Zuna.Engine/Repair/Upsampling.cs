using Zuna.Engine.Montage;
using Zuna.Engine.Preprocessing;

namespace Zuna.Engine.Repair;

/// <summary>
/// Step 7 of the preparation (docs/zuna11.md §5.2): electrodes added as zero channels at their standard_1005 montage
/// coordinates, appended after the recorded ones, masked over the whole recording and flagged as upsampled. The choice
/// itself is <see cref="ChannelEditing.AddTargetChannels"/> (by count: farthest from the recorded electrodes, one pass);
/// here only the original's tolerance differs: a count not above the channel count adds nothing, unknown names are
/// skipped with a warning, and named electrodes come in montage order.
/// </summary>
internal static class Upsampling
{
    public static PreparedRecording Append(PreparedRecording prepared, TargetChannels targets, ICollection<string> warnings)
    {
        if (targets.IsEmpty) return prepared;
        if (targets.Count is int total && total <= prepared.ChannelCount) return prepared;
        if (targets.Count is null)
        {
            var montage = StandardMontage.Standard1005;
            foreach (string unknown in targets.Names.Where(n => !montage.TryGet(n, out _)))
                warnings.Add($"target channel '{unknown}' is not a standard 10-05 electrode; ignored.");
            var wanted = targets.Names.Select(StandardMontage.Key).ToHashSet();
            targets = targets with { Names = [.. montage.Electrodes.Where(e => wanted.Contains(StandardMontage.Key(e.Name))).Select(e => e.Name).Distinct()] };
            if (targets.Names.Count == 0) return prepared;
        }

        // The selection works on the preprocessing's epoch record; an empty one carries just names and positions.
        var layout = new Preprocessed([], 0, prepared.ChannelCount, 32, prepared.Positions, prepared.ChannelNames, null, null, null);
        var extended = ChannelEditing.AddTargetChannels(layout, targets);
        int added = extended.ChannelCount - prepared.ChannelCount;
        if (added == 0) return prepared;

        int n = prepared.SampleCount;
        var addedNames = extended.ChannelNames[prepared.ChannelCount..];
        return prepared with
        {
            Data = [.. prepared.Data, .. addedNames.Select(_ => new float[n])],
            ChannelNames = extended.ChannelNames,
            Positions = extended.ChannelPositions,
            IsUpsampled = [.. prepared.IsUpsampled, .. addedNames.Select(_ => true)],
            Bads = [.. prepared.Bads, .. addedNames],
            ExternalMask = prepared.ExternalMask is null ? null : [.. prepared.ExternalMask, .. addedNames.Select(_ => new bool[n])],
        };
    }
}
