namespace Zuna.Engine.Input;

/// <summary>MNE 1.3's <c>_unique_channel_names</c>: repeated names get running numbers, "F1" → "F1-0", "F1-1" (then "-a", "-b" … on a clash).</summary>
public static class ChannelNames
{
    public static string[] MakeUnique(IReadOnlyList<string> names, ICollection<string> warnings)
    {
        var result = names.ToArray();
        var groups = Enumerable.Range(0, result.Length).GroupBy(i => result[i], StringComparer.Ordinal).Where(g => g.Count() > 1).ToList();
        if (groups.Count == 0) return result;
        warnings.Add($"channel names are not unique ({string.Join(", ", groups.Select(g => g.Key))}); running numbers were added to the duplicates.");
        var taken = new HashSet<string>(result, StringComparer.Ordinal);
        foreach (var group in groups)
        {
            int idx = 0;
            foreach (int position in group)
            {
                string candidate = group.Key + "-" + idx++;
                for (char suffix = 'a'; taken.Contains(candidate) && suffix <= 'z'; suffix++) candidate = group.Key + "-" + suffix;
                if (!taken.Add(candidate))
                    throw new RecordingFormatException($"channel name '{group.Key}' repeats so often that no unique name could be made for it.");
                result[position] = candidate;
            }
        }
        return result;
    }
}
