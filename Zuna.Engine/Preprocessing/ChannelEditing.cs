using System.Globalization;
using Zuna.Engine.Montage;

namespace Zuna.Engine.Preprocessing;

/// <summary>
/// Which 10-05 electrodes to add as all-zero channels for the model to fill in (ZUNA's target_channel_count):
/// explicit <see cref="Names"/>, or a total channel <see cref="Count"/> reached by greedy spatial coverage.
/// <see cref="HeadFrame"/> places added electrodes in MNE's head frame, like the recorded ones; off (the default)
/// reproduces the original, which uses the montage's own fsaverage 'mri' frame (docs/zuna-model.md §10 item 2).
/// </summary>
public sealed record TargetChannels(IReadOnlyList<string> Names, int? Count = null, bool HeadFrame = false)
{
    public static TargetChannels None { get; } = new([]);

    public bool IsEmpty => Names.Count == 0 && Count is null;

    /// <summary>"32" asks for a total of 32 channels; "Cz,Pz,Oz" names electrodes; empty means none.</summary>
    public static TargetChannels Parse(string? text, bool headFrame = false)
    {
        if (string.IsNullOrWhiteSpace(text)) return None with { HeadFrame = headFrame };
        string trimmed = text.Trim();
        if (int.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out int count))
            return new TargetChannels([], count, headFrame);
        var names = trimmed.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new TargetChannels(names, null, headFrame);
    }
}

/// <summary>Edits of the channel set after preprocessing: zeroing channels to reconstruct, adding electrodes to interpolate.</summary>
public static class ChannelEditing
{
    /// <summary>
    /// Zeroes the named channels in every epoch (for a preprocessed upload; the FIF path zeroes them inside the
    /// chain, where they still enter the global statistics). Names match case-insensitively, spaces removed.
    /// </summary>
    public static Preprocessed ZeroChannels(Preprocessed p, IReadOnlyList<string> names)
    {
        if (names.Count == 0) return p;
        var epochs = (float[])p.Epochs.Clone();
        foreach (string name in names)
        {
            int c = Array.FindIndex(p.ChannelNames, n => StandardMontage.Key(n) == StandardMontage.Key(name));
            if (c < 0) throw new InvalidOptionException($"bad channel '{name}' is not a channel of the recording ({string.Join(", ", p.ChannelNames)}).");
            for (int e = 0; e < p.EpochCount; e++)
                Array.Clear(epochs, (e * p.ChannelCount + c) * p.EpochSamples, p.EpochSamples);
        }
        return p with { Epochs = epochs };
    }

    /// <summary>Appends the requested 10-05 electrodes as all-zero channels at their montage positions.</summary>
    public static Preprocessed AddTargetChannels(Preprocessed p, TargetChannels targets)
    {
        if (targets.IsEmpty) return p;
        var added = targets.Count is int total ? PickByCoverage(p, total, targets.HeadFrame) : PickByName(p, targets);
        return added.Count == 0 ? p : Append(p, added, targets.HeadFrame);
    }

    private static List<MontageElectrode> PickByName(Preprocessed p, TargetChannels targets)
    {
        var montage = StandardMontage.Standard1005;
        var present = new HashSet<string>(p.ChannelNames.Select(StandardMontage.Key));
        var unknown = targets.Names.Where(n => !montage.TryGet(n, out _)).ToList();
        // The original skips unknown names silently; a typo that silently does nothing is worse than an error.
        if (unknown.Count > 0)
            throw new InvalidOptionException($"target channel(s) {string.Join(", ", unknown)} are not standard 10-05 electrodes.");
        return targets.Names.Where(n => present.Add(StandardMontage.Key(n))).Select(n => montage.Find(n)!).ToList();
    }

    /// <summary>
    /// ZUNA's upsample_channels: every montage electrode not yet present is scored by its distance to the nearest
    /// existing channel, and the farthest ones are taken in one pass (not iteratively re-scored).
    /// </summary>
    private static List<MontageElectrode> PickByCoverage(Preprocessed p, int total, bool headFrame)
    {
        int toAdd = total - p.ChannelCount;
        if (toAdd <= 0)
            throw new InvalidOptionException($"target channel count {total} must exceed the recording's {p.ChannelCount} channels.");
        var present = new HashSet<string>(p.ChannelNames.Select(n => n.ToLowerInvariant()));
        var candidates = StandardMontage.Standard1005.Electrodes
            .Where(e => !present.Contains(e.Name.ToLowerInvariant()))
            .Where(e => Frame(e, headFrame) is var q && (q.X, q.Y, q.Z) != (0, 0, 0))
            .ToList();
        if (candidates.Count < toAdd)
            throw new InvalidOptionException($"target channel count {total} needs {toAdd} new electrodes but the 10-05 montage has only {candidates.Count} more.");

        double NearestExisting(MontageElectrode e)
        {
            var q = Frame(e, headFrame);
            double best = double.PositiveInfinity;
            for (int c = 0; c < p.ChannelCount; c++)
            {
                double dx = p.ChannelPositions[c * 3] - q.X, dy = p.ChannelPositions[c * 3 + 1] - q.Y, dz = p.ChannelPositions[c * 3 + 2] - q.Z;
                best = Math.Min(best, Math.Sqrt(dx * dx + dy * dy + dz * dz));
            }
            return best;
        }

        // Ascending stable order, then reversed: the original's argsort(...)[::-1].
        var ascending = candidates.Select((e, i) => (e, d: NearestExisting(e), i)).OrderBy(x => x.d).ThenBy(x => x.i).ToList();
        ascending.Reverse();
        return ascending.Take(toAdd).Select(x => x.e).ToList();
    }

    private static Position3 Frame(MontageElectrode e, bool headFrame) => headFrame ? e.Head : e.Mri;

    private static Preprocessed Append(Preprocessed p, List<MontageElectrode> added, bool headFrame)
    {
        int c0 = p.ChannelCount, c1 = c0 + added.Count, t = p.EpochSamples;
        var epochs = new float[p.EpochCount * c1 * t];
        for (int e = 0; e < p.EpochCount; e++)
            Array.Copy(p.Epochs, e * c0 * t, epochs, e * c1 * t, c0 * t);      // [E, C0, T] -> [E, C1, T]; new rows stay 0
        var positions = new float[c1 * 3];
        Array.Copy(p.ChannelPositions, positions, c0 * 3);
        for (int i = 0; i < added.Count; i++)
        {
            var q = Frame(added[i], headFrame);
            positions[(c0 + i) * 3] = (float)q.X;
            positions[(c0 + i) * 3 + 1] = (float)q.Y;
            positions[(c0 + i) * 3 + 2] = (float)q.Z;
        }
        return p with
        {
            Epochs = epochs,
            ChannelCount = c1,
            ChannelPositions = positions,
            ChannelNames = [.. p.ChannelNames, .. added.Select(a => a.Name)],
            MriFrameChannels = headFrame ? p.MriFrameChannels : [.. p.MriFrameChannels, .. Enumerable.Range(c0, added.Count)],
        };
    }
}
