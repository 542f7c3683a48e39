using Zuna.Engine.Fif;

namespace Zuna.Engine.Repair;

/// <summary>
/// Manual bad segments as the original turns them into a mask (docs/zuna11.md §5.4 item 3): write_bad_mask marks
/// samples on the input file's own grid and collapses them to tokens of 32 input samples (a token is bad if any of its
/// samples is); _load_external_mask then maps the token columns onto the prepared 256-Hz samples.
/// </summary>
internal static class ExternalMask
{
    private const int TokenSamples = 32;

    /// <returns>[channel of <paramref name="preparedNames"/>][prepared sample].</returns>
    public static bool[][] FromSegments(RawRecording raw, IReadOnlyList<BadSegment> segments, IReadOnlyList<string> preparedNames,
        int preparedSamples, ICollection<string> warnings)
    {
        int n = raw.SampleCount, columns = (n + TokenSamples - 1) / TokenSamples;
        var tokens = new Dictionary<string, bool[]>(StringComparer.Ordinal);   // file channel name → token columns
        foreach (var segment in segments)
        {
            long start = Math.Max(0, (long)Math.Round(segment.Start * raw.SampleRate, MidpointRounding.ToEven));
            long stop = Math.Min(n, (long)Math.Round(segment.Stop * raw.SampleRate, MidpointRounding.ToEven));
            IEnumerable<string> rows = raw.Channels.Select(ch => ch.Name);
            if (segment.Channel is { } wanted)
            {
                rows = rows.Where(name => string.Equals(name, wanted, StringComparison.OrdinalIgnoreCase)).ToList();
                if (!rows.Any())
                {
                    warnings.Add($"bad segment {segment}: channel '{wanted}' is not in the recording; ignored.");
                    continue;
                }
            }
            if (stop <= start) continue;
            foreach (string name in rows)
            {
                if (!tokens.TryGetValue(name, out var row)) tokens[name] = row = new bool[columns];
                for (long k = start / TokenSamples; k <= (stop - 1) / TokenSamples; k++) row[k] = true;
            }
        }

        // Column of each prepared sample: token resolution when the column counts agree, else sample resolution,
        // else the proportional nearest mapping the original falls back to (input not at 256 Hz).
        int target = preparedSamples;
        Func<long, long> column = columns == (target + TokenSamples - 1) / TokenSamples && columns != target ? s => s / TokenSamples
            : columns == target ? s => s
            : s => s * columns / target;
        var result = new bool[preparedNames.Count][];
        for (int c = 0; c < preparedNames.Count; c++)
        {
            var row = result[c] = new bool[target];
            if (!tokens.TryGetValue(preparedNames[c], out var source)) continue;   // rows match names exactly, as the loader does
            for (int s = 0; s < target; s++) row[s] = source[column(s)];
        }
        return result;
    }
}
